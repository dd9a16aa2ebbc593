import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { EventLog } from '../log/types.js';
import type { Action } from '../security/permissions.js';
import type { Gateway } from './gateway.js';
import type { Principal } from './principal.js';

export type { Principal } from './principal.js';

/**
 * The route table: every route of the API is one RouteDef, and every RouteDef declares the
 * permission it needs. The auth hook enforces it, the OpenAPI document is generated from it,
 * and a test builds the authorisation matrix from it (and fails on a route without one).
 *
 * - `public`: no credentials (health, readiness, the OpenAPI document);
 * - `authenticated`: any valid key (who am I, what can the backend do);
 * - `topic`: `action` on the route's `:topic` parameter, within the key's tenant;
 * - `stream`: `action` on the category of the route's `:stream` parameter (`order` for
 *   `order-1`: the topic its events land on), within the key's tenant;
 * - `tenant`: `action` on every topic of the tenant (a grant on `>`): listings, keys, audit.
 */
export type Permission =
  | { kind: 'public' }
  | { kind: 'authenticated' }
  | { kind: 'topic'; action: Action }
  | { kind: 'stream'; action: Action }
  | { kind: 'tenant'; action: Action };

export interface RequestContext {
  principal: Principal;
  /** The caller's view of the log: its tenant's namespace (the whole log in --dev mode). */
  log: EventLog;
  gateway: Gateway;
}

export interface ParamDoc {
  description: string;
  type?: 'string' | 'integer';
  required?: boolean;
}

export interface RouteDef {
  /** Unique, used as the OpenAPI operationId. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** fastify syntax: `/v1/topics/:topic/events`. */
  url: string;
  tag: string;
  summary: string;
  permission: Permission;
  query?: Record<string, ParamDoc>;
  /** Content types the body may have, and what it holds. */
  body?: { contentTypes: readonly string[]; description: string };
  /** What a 2xx answer holds. */
  response: string;
  /** 200 unless said. */
  status?: number;
  handler?: (req: FastifyRequest, reply: FastifyReply, ctx: RequestContext) => Promise<unknown>;
  /** A WebSocket route: the handler gets the open socket. */
  ws?: (socket: WebSocket, req: FastifyRequest, ctx: RequestContext) => void;
}

export type Params = Record<string, string | undefined>;

export function paramsOf(req: FastifyRequest): Params {
  return (req.params ?? {}) as Params;
}

export function queryOf(req: FastifyRequest): Record<string, string | string[] | undefined> {
  return (req.query ?? {}) as Record<string, string | string[] | undefined>;
}
