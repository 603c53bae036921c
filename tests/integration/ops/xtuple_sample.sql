-- The few xTuple ERP tables the operations tests need, shaped as in xTuple's foundation
-- database: metrics (BatchManagerPurgeDays) and system messages (the submitter's notice).
CREATE TABLE IF NOT EXISTS public.metric (
    metric_id     serial PRIMARY KEY,
    metric_name   text NOT NULL UNIQUE,
    metric_value  text,
    metric_module text
);
CREATE TABLE IF NOT EXISTS public.msg (
    msg_id        serial PRIMARY KEY,
    msg_posted    timestamp without time zone,
    msg_scheduled timestamp without time zone,
    msg_expires   timestamp without time zone,
    msg_username  text,
    msg_text      text
);
CREATE TABLE IF NOT EXISTS public.msguser (
    msguser_id       serial PRIMARY KEY,
    msguser_msg_id   integer REFERENCES public.msg (msg_id) ON DELETE CASCADE,
    msguser_username text,
    msguser_viewed   timestamp without time zone
);
