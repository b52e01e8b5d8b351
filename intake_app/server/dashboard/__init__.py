"""The national data dashboard: non-identifying aggregate figures, served by the central server.

* :mod:`.collect` turns a case's non-identifying facts into rollup cells (codes only);
* :mod:`.rollup` keeps ``dash_case`` and the count deltas (``dash_delta``) in step with
  ingest, in the same transaction (the hook ingest calls is :func:`.rollup.apply`), and
  folds the deltas into ``dash_rollup`` (:func:`.rollup.fold`);
* :mod:`.suppress` hides small cells (k = 11) and their complements;
* :mod:`.queries` reads only the rollup and its deltas; :mod:`.views` builds each view's tables and charts;
* :mod:`.routes` serves pages, CSV files and the charting library (no CDN).

This module imports nothing heavy, so ``models`` can register its tables on the server's
declarative base without pulling in the web layer.
"""
