-- SQLite's migration 0033 rewrites its people and phone triggers so that imports need no statement
-- journal (see the SQLite file). PostgreSQL has no statement journal and its triggers are unchanged:
-- this file keeps the two migration series numbered alike.
SELECT 1;
