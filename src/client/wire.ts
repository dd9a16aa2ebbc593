import type { CloudEvent } from '../core/envelope.js';
import type {
  AppendReceipt, Capabilities, Delivery, FetchOptions, GroupInfo, Retention, SettleOutcome, Settlement, StoredEvent, TopicInfo,
} from '../log/types.js';
import type { RecordedEvent } from '../log/streams.js';

/**
 * The JSON bodies of the herald HTTP API (`/v1`), shared by the server and the remote client.
 * Times are milliseconds since the epoch; a `from` is `'earliest' | 'latest' | { position } | { time }`.
 */
export const API_PREFIX = '/v1';
/** The WebSocket subprotocol; a browser may pass its key as a second subprotocol entry. */
export const WS_PROTOCOL = 'herald.v1';

export interface ErrorBody {
  error: { code: string; message: string; retryable: boolean; details: Record<string, unknown> };
}

export type WireStartFrom = 'earliest' | 'latest' | { position: number } | { time: number };

export interface InfoResponse {
  backend: string;
  capabilities: Capabilities;
  version: string;
  /** Absent in --dev mode (no tenants). */
  tenant?: string;
  keyId?: string;
  permissions?: string[];
  /** Present when the backend keeps event-sourced streams (the `/v1/streams` and `/v1/all` routes). */
  streams?: { snapshots: boolean };
}

export interface PublishResponse { receipts: AppendReceipt[] }

export interface ReadPage {
  events: StoredEvent[];
  /** Where the next page starts, or null when this page reached the end of the topic. */
  next: number | null;
}

export type FetchRequest = Omit<FetchOptions, 'from'> & { from?: WireStartFrom };
export interface FetchResponse { deliveries: Delivery[] }
export interface SettleRequest { settlements: Settlement[] }
export interface SettleResponse { outcomes: SettleOutcome[] }
export interface RequeueRequest { group: string; event: CloudEvent; position: number }
export interface ResetRequest { to: WireStartFrom }
export interface TopicsResponse { topics: TopicInfo[] }
export interface GroupsResponse { groups: GroupInfo[] }
export type RetentionRequest = Retention;
export interface RemovedResponse { removed: number }
export interface DeletedResponse { deleted: boolean }

/** The expected revision of a stream append, metadata change or delete, as a header (or `?expectedRevision=`). */
export const EXPECTED_REVISION_HEADER = 'herald-expected-revision';
/** A page of a stream or of `$all`. */
export interface StreamPage {
  events: RecordedEvent[];
  /** The revision (stream) or `$all` position the next page starts from, or null when this page reached the end. */
  next: number | null;
}
export interface AllHeadResponse { head: number }

/** A frame the server sends on a WebSocket subscription (JSON text). */
export type ServerFrame =
  | ({ op: 'event' } & StoredEvent)
  | { op: 'receipts'; ref?: string; receipts: AppendReceipt[] }
  | { op: 'error'; ref?: string; error: ErrorBody['error'] };

/** A frame a client may send: publish events to the socket's topic (checked against `publish` each time). */
export interface ClientFrame { op: 'publish'; ref?: string; events: CloudEvent[] }
