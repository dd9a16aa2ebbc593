/**
 * Version 6, lease runs (as on SQLite: src/backends/sqlite/lease-runs.ts). The new events one
 * fetch hands out without a key are one `lease_runs` row (a bitmap over positions `first`,
 * `first + 1`...; a set bit is a delivery still pending, all with that fetch's lease id and
 * expiry, attempt 1) instead of one `inflight` row each. A consumer that acks what it fetched then
 * writes one row per fetch and updates it once per settle call, where it inserted and deleted a
 * row per event: a 1,000-event fetch spent 5 ms inserting its `inflight` rows and the settle as
 * long deleting them.
 *
 * A pending delivery is an `inflight` row or a set bit of exactly one run, never both. A run
 * becomes `inflight` rows (`explode_runs`) once its lease expired, at the next fetch of its group
 * (before redelivery looks for visible rows) or before retention; a nack, release or extend of a
 * member moves that member alone into a row (`settle`). Keyed events always get rows: the per-key
 * ordering reads `inflight` by key. Every change to a run holds its group's lock: fetches
 * exclusively (they make and explode runs), settles shared (each clears bits under the run's row lock).
 *
 * Upgrading: a process of an older herald does not know runs (it would not redeliver an expired
 * run's members); stop those before the first process of this version migrates the schema.
 */
/**
 * The statement that turns group g's runs matching `expired` (a condition on run `r`) into inflight
 * rows with the same lease id and expiry; version 8 writes it into `fetch_begin` (migration-8.ts).
 */
export function explodeRuns(s: string, expired: string): string {
  return `  WITH gone AS (
    DELETE FROM ${s}.lease_runs r WHERE r.group_id = g AND ${expired}
    RETURNING r.lease_id, r.first, r.visible_at, r.members
  )
  INSERT INTO ${s}.inflight (group_id, position, key, attempt, lease_id, visible_at)
  SELECT g, gone.first + b, NULL, 1, gone.lease_id, gone.visible_at
  FROM gone, generate_series(0, 8 * length(gone.members) - 1) AS b
  WHERE get_bit(gone.members, b) = 1`;
}

export const V6 = {
  version: 6,
  name: 'lease runs',
  sql: (s: string): string => `
CREATE TABLE ${s}.lease_runs (
  group_id integer NOT NULL,
  lease_id bigint NOT NULL,
  first bigint NOT NULL,
  visible_at bigint NOT NULL,
  members bytea NOT NULL,
  pending integer NOT NULL,
  PRIMARY KEY (group_id, lease_id)
) WITH (fillfactor = 50);

-- The group's runs whose lease expired at p_now (all of them when p_now is NULL) become inflight
-- rows with the same lease id and expiry. The caller holds the group's lock exclusively.
CREATE FUNCTION ${s}.explode_runs(g integer, p_now bigint) RETURNS void LANGUAGE sql AS $$
${explodeRuns(s, '(p_now IS NULL OR r.visible_at <= p_now)')}
$$;

-- Takes p_pos out of the run of lease p_lease (of any run of the group when p_lease is NULL);
-- true when it was a pending member there.
CREATE FUNCTION ${s}.run_take(g integer, p_lease bigint, p_pos bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_lease bigint;
BEGIN
  UPDATE ${s}.lease_runs r SET members = set_bit(r.members, (p_pos - r.first)::integer, 0), pending = r.pending - 1
  WHERE r.group_id = g AND (p_lease IS NULL OR r.lease_id = p_lease) AND p_pos >= r.first AND p_pos < r.first + 8 * length(r.members)
    AND get_bit(r.members, (p_pos - r.first)::integer) = 1
  RETURNING r.lease_id INTO v_lease;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM ${s}.lease_runs WHERE group_id = g AND lease_id = v_lease AND pending = 0;
  RETURN true;
END $$;

-- Acks of run members: clears the bits of (p_positions[o], p_leases[o]) where ok[o] is false and
-- the bit is set, one write per run; returns ok with those marked true.
CREATE FUNCTION ${s}.ack_runs(g integer, p_positions bigint[], p_leases bigint[], ok boolean[]) RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  r record; m bytea; cleared integer; idx bigint;
BEGIN
  FOR r IN SELECT lr.lease_id, lr.first, lr.members, lr.pending FROM ${s}.lease_runs lr
    WHERE lr.group_id = g AND lr.lease_id IN (SELECT DISTINCT p_leases[o] FROM generate_subscripts(ok, 1) AS o WHERE NOT ok[o])
    FOR UPDATE
  LOOP
    m := r.members;
    cleared := 0;
    FOR o IN 1 .. cardinality(ok) LOOP
      IF NOT ok[o] AND p_leases[o] = r.lease_id THEN
        idx := p_positions[o] - r.first;
        IF idx >= 0 AND idx < 8 * length(m) AND get_bit(m, idx::integer) = 1 THEN
          m := set_bit(m, idx::integer, 0);
          cleared := cleared + 1;
          ok[o] := true;
        END IF;
      END IF;
    END LOOP;
    IF cleared = r.pending THEN
      DELETE FROM ${s}.lease_runs WHERE group_id = g AND lease_id = r.lease_id;
    ELSIF cleared > 0 THEN
      UPDATE ${s}.lease_runs SET members = m, pending = pending - cleared WHERE group_id = g AND lease_id = r.lease_id;
    END IF;
  END LOOP;
  RETURN ok;
END $$;

-- Version 4's settle, with run members: an ack clears its bit; a nack, release or extend moves
-- the member into an inflight row in the state that settlement gives it.
CREATE OR REPLACE FUNCTION ${s}.settle(p_topic text, p_group text, p_kinds text[], p_positions bigint[], p_leases bigint[], p_ms bigint[], p_errors jsonb[], p_now bigint)
RETURNS boolean[] LANGUAGE plpgsql AS $$
DECLARE
  g integer; v_now bigint; n integer; ok boolean[];
BEGIN
  SELECT gr.id INTO g FROM ${s}.groups gr JOIN ${s}.topics t ON t.id = gr.topic_id WHERE t.name = p_topic AND gr.name = p_group;
  ok := array_fill(false, ARRAY[cardinality(p_kinds)]);
  IF g IS NULL THEN
    RETURN ok;
  END IF;
  PERFORM ${s}.lock_group(g, true);
  IF (SELECT bool_and(k = 'ack') FROM unnest(p_kinds) AS k) AND cardinality(p_positions) = (SELECT count(DISTINCT p) FROM unnest(p_positions) AS p) THEN
    -- Acks at distinct positions: no settlement sees another's effect, so order does not matter.
    -- Runs first (one row per fetch), then rows for what no run held.
    ok := ${s}.ack_runs(g, p_positions, p_leases, ok);
    IF false = ANY(ok) THEN
      WITH gone AS (
        DELETE FROM ${s}.inflight i USING unnest(p_positions, p_leases, ok) AS a(pos, lease, done)
        WHERE NOT a.done AND i.group_id = g AND i.position = a.pos AND i.lease_id = a.lease AND a.lease <> 0
        RETURNING i.position
      )
      SELECT array_agg(a.done OR gone.position IS NOT NULL ORDER BY a.o) INTO ok
      FROM unnest(p_positions, ok) WITH ORDINALITY AS a(pos, done, o) LEFT JOIN gone ON gone.position = a.pos;
    END IF;
    RETURN ok;
  END IF;
  v_now := COALESCE(p_now, ${s}.now_ms());
  FOR i IN 1 .. cardinality(p_kinds) LOOP
    n := 0;
    IF p_leases[i] <> 0 THEN
      CASE p_kinds[i]
        WHEN 'ack' THEN
          DELETE FROM ${s}.inflight WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        WHEN 'nack' THEN
          UPDATE ${s}.inflight SET lease_id = 0, visible_at = v_now + p_ms[i], last_error = COALESCE(p_errors[i], last_error)
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        WHEN 'release' THEN
          UPDATE ${s}.inflight SET lease_id = 0, visible_at = v_now, attempt = attempt - 1
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
        ELSE
          UPDATE ${s}.inflight SET visible_at = v_now + p_ms[i]
          WHERE group_id = g AND position = p_positions[i] AND lease_id = p_leases[i];
      END CASE;
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n = 0 AND ${s}.run_take(g, p_leases[i], p_positions[i]) THEN
        n := 1;
        IF p_kinds[i] <> 'ack' THEN
          INSERT INTO ${s}.inflight (group_id, position, key, attempt, lease_id, visible_at, last_error)
          VALUES (g, p_positions[i], NULL,
            CASE p_kinds[i] WHEN 'release' THEN 0 ELSE 1 END,
            CASE p_kinds[i] WHEN 'extend' THEN p_leases[i] ELSE 0 END,
            CASE p_kinds[i] WHEN 'release' THEN v_now ELSE v_now + p_ms[i] END,
            CASE p_kinds[i] WHEN 'nack' THEN p_errors[i] END);
        END IF;
      END IF;
    END IF;
    ok[i] := n = 1;
  END LOOP;
  RETURN ok;
END $$;
`,
};
