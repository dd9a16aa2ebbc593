import { explodeRuns } from './migration-6.js';
import { insertFirstAppend } from './migration-7.js';

/**
 * Version 8: a fetch starts in one round trip.
 *
 * A fetch used to open with four round trips (BEGIN, the group's lock, the group's state, expired
 * runs turned into rows), always read a first page of pending rows, usually to find none, and then
 * pages of new events. On a consumer whose event loop is busy with the handlers of the previous
 * fetch, each round trip waits for a turn of that loop as well as for the server, and the group's
 * lock is held across all of them (settles wait for it). Now `BEGIN; SELECT … FROM fetch_begin(…)`
 * returns the state, whether redelivery has anything to read (`pending`), and the first page of new
 * events (docs/backends/postgres.md).
 *
 * `append_events_compact` answers an append of new ids with one row, not one per event: a
 * 1,000-event append sent back 1,000 rows the client could have computed (~1 ms a call).
 *
 * Each statement of a plpgsql function takes a new snapshot (READ COMMITTED, VOLATILE), so the
 * state is read after the lock is held: a fetch sees the cursor the previous fetch committed.
 * `fetch_page` keeps its plan (plpgsql's plan cache: after five calls a generic plan, an index
 * scan of the topic's positions); whatever the plan, the window of positions bounds what one page
 * reads (scan-window.ts). Planning each call (EXECUTE) cost ~0.2 ms a fetch.
 */
export const V8 = {
  version: 8,
  name: 'fetch in fewer round trips, compact append answers',
  sql: (s: string): string => `
-- New events of group g's topic at positions p_from..p_until without a pending row, in order.
CREATE FUNCTION ${s}.fetch_page(g integer, p_topic integer, p_from bigint, p_until bigint, p_room integer)
RETURNS TABLE (o_position bigint, o_appended_at bigint, o_key text, o_body json) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT e.position, e.appended_at, e.key, e.body FROM ${s}.events e
    WHERE e.topic_id = p_topic AND e.position >= p_from AND e.position <= p_until
      AND NOT EXISTS (SELECT 1 FROM ${s}.inflight i WHERE i.group_id = g AND i.position = e.position)
    ORDER BY e.position LIMIT p_room;
END $$;

-- Takes group g's lock, reads its state, turns expired runs into rows, takes a lease id; returns
-- the state on a first row (the event columns NULL), then the first page of new events (p_room
-- rows at most, in a window of p_span positions; the state columns NULL). No row: the group is gone.
CREATE FUNCTION ${s}.fetch_begin(g integer, p_now bigint, p_room integer, p_span bigint)
RETURNS TABLE (o_cursor bigint, o_head bigint, o_now bigint, o_lease bigint, o_pending boolean,
  o_position bigint, o_appended_at bigint, o_key text, o_body json) LANGUAGE plpgsql AS $$
DECLARE
  v_topic integer; v_cursor bigint; v_head bigint; v_now bigint; v_lease bigint; v_pending boolean;
BEGIN
  PERFORM ${s}.lock_group(g, false);
  SELECT gr.topic_id, gr.cursor, t.head INTO v_topic, v_cursor, v_head
  FROM ${s}.groups gr JOIN ${s}.topics t ON t.id = gr.topic_id WHERE gr.id = g;
  IF NOT FOUND THEN RETURN; END IF;
  v_now := COALESCE(p_now, ${s}.now_ms());
  -- explode_runs (migration 6), written out: plpgsql keeps this statement's plan, where a SQL
  -- function is planned again on every call (~0.2 ms a fetch).
${explodeRuns(s, 'r.visible_at <= v_now')};
  v_lease := nextval('${s}.lease_ids');
  v_pending := EXISTS (SELECT 1 FROM ${s}.inflight i WHERE i.group_id = g AND i.visible_at <= v_now);
  RETURN QUERY SELECT v_cursor, v_head, v_now, v_lease, v_pending, NULL::bigint, NULL::bigint, NULL::text, NULL::json;
  RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::boolean, p.o_position, p.o_appended_at, p.o_key, p.o_body
    FROM ${s}.fetch_page(g, v_topic, v_cursor, LEAST(v_head, v_cursor + p_span - 1), p_room) p;
END $$;

-- append_events_json (migration 7), but an append of new, distinct ids (the usual case) is
-- answered with one row, ord 0: the first position (the others follow it) and the append time.
${insertFirstAppend(s, 'append_events_compact', 'SELECT 0, t_head + 1, v_at, false')}
`,
};
