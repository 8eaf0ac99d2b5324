"""The command dashboard (issues 8, 10, 15): the overview and the wall, the charts, the statistics and
their exports.

- ``selectors``: the overview's figures (active incidents, totals, the county map, task rates, events);
- ``panels`` and ``live``: the panels rendered once per dashboard version, and that version (bumped on
  commit by the writes it shows; its store is ``config/version.py``);
- ``stats``, ``stats_times``, ``stats_incidents``, ``stats_sql``: the statistics, counted in SQL;
- ``charts``, ``tables``, ``statistics_tables``, ``exports``: charts, tables and the Excel/CSV files;
- ``views`` (overview, wall, charts) and ``views_statistics`` (the statistics page and its exports).
"""
