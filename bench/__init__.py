"""`python -m bench`: end-to-end throughput, Pleo call count and worker memory of the hub.

Each scenario seeds a sandbox company with N queued entries in a throwaway database, serves the
sandbox over a real HTTP socket on 127.0.0.1, wires a Pleo connection + ERP connection +
integration, and runs detection + the sync engine in a dedicated child process (the "worker"),
exactly as a worker would: `poll_integration()` then `process_integration()`.

What is measured (all in the worker):
  wall        seconds spent in poll_integration() + process_integration()
  items/s     N / wall
  pleo_http   seconds inside HTTP exchanges with the sandbox (client side, body read included),
              by kind; API calls are compared with the minimum
              ⌈N/100⌉ job-item pages + ⌈N/100⌉ export-item pages + ⌈N/100⌉ item updates + 2 events
              (receipt downloads are file fetches from pre-signed URLs, counted separately)
  erp         seconds inside the connector's methods, minus any Pleo HTTP time nested in them
              (Beancount downloads receipts inside post())
  hub         wall − erp − pleo_http: the hub's own time (Python + its database), per item
  db          the worker's database queries and time (part of hub)
  peak RSS    ru_maxrss of the worker process; the RSS curve is sampled every 10 % of posts
"""
