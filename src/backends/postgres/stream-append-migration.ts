/** `p_expected` of append_stream: a revision n ≥ 0, or one of these. */
export const EXPECTED_CODE = { any: -1, no_stream: -2, stream_exists: -3 } as const;

/**
 * Version 3: a stream append in one statement (one round trip, the stream row locked only while
 * the server works, not across five client round trips). `append_stream` takes the clear cases
 * only: a live stream (created if missing), none of the ids stored yet, the expected revision met
 * by the plain rules. Anything else it leaves unwritten and answers `slow` (a deleted stream, an id
 * already stored: the client's transaction path applies the shared rules, stream-checks.ts) or
 * `conflict` with the stream's revision (the client builds the typed error from it). So the
 * rules' one home stays in TypeScript; this function can only send a case to the full path.
 */
export const V3 = {
  version: 3,
  name: 'stream append in one statement',
  sql: (s: string): string => `
CREATE FUNCTION ${s}.append_stream(p_name text, p_category text, p_topic_id integer, p_expected bigint,
  p_ids text[], p_types text[], p_keys text[], p_bodies json[], p_now bigint)
RETURNS TABLE (status text, topic text, ord integer, pos bigint, at bigint, revision bigint, global bigint) LANGUAGE plpgsql AS $$
DECLARE
  st_id integer; st_rev bigint := 0; st_deleted smallint := 0; st_topic text; st_topic_id integer := p_topic_id;
BEGIN
  SELECT st.id, st.revision, st.deleted, st.topic_id INTO st_id, st_rev, st_deleted, st_topic_id
  FROM ${s}.streams st WHERE st.name = p_name FOR UPDATE;
  IF NOT FOUND THEN st_rev := 0; st_deleted := 0; st_topic_id := p_topic_id; END IF;
  -- A new stream is created only for an append that goes ahead: a refused one leaves nothing.
  FOR attempt IN 1..2 LOOP
    IF st_deleted <> 0 OR EXISTS (SELECT 1 FROM ${s}.events e WHERE e.topic_id = st_topic_id AND e.id = ANY(p_ids)) THEN
      RETURN QUERY SELECT 'slow'::text, NULL::text, NULL::integer, NULL::bigint, NULL::bigint, st_rev, NULL::bigint;
      RETURN;
    END IF;
    IF NOT (p_expected = ${EXPECTED_CODE.any} OR (p_expected = ${EXPECTED_CODE.no_stream} AND st_rev = 0)
        OR (p_expected = ${EXPECTED_CODE.stream_exists} AND st_rev > 0) OR p_expected = st_rev) THEN
      RETURN QUERY SELECT 'conflict'::text, NULL::text, NULL::integer, NULL::bigint, NULL::bigint, st_rev, NULL::bigint;
      RETURN;
    END IF;
    EXIT WHEN st_id IS NOT NULL;
    -- Two creators at once agree on one row (the second waits for the first's commit), then the
    -- checks run again on what it holds.
    INSERT INTO ${s}.streams (name, category, topic_id) VALUES (p_name, p_category, p_topic_id) ON CONFLICT (name) DO NOTHING;
    SELECT st.id, st.revision, st.deleted, st.topic_id INTO st_id, st_rev, st_deleted, st_topic_id
    FROM ${s}.streams st WHERE st.name = p_name FOR UPDATE;
  END LOOP;
  SELECT t.name INTO st_topic FROM ${s}.topics t WHERE t.id = st_topic_id;
  RETURN QUERY SELECT 'ok'::text, st_topic, a.ord, a.pos, a.at, a.revision, a.global
  FROM ${s}.append_stream_events(st_id, st_topic, p_ids, p_types, p_keys, p_bodies, p_now) a;
END $$;
`,
};
