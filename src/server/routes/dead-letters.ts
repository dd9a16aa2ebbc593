import type { CloudEvent } from '../../core/envelope.js';
import { invalidArgument } from '../../core/errors.js';
import { discardDeadLetter, getDeadLetter, listDeadLetters, redriveDeadLetter, type DeadLetter } from '../../log/dead-letters.js';
import { assertGroup, deadLetterTopic } from '../../log/names.js';
import { integer, jsonBody, limitQuery } from '../params.js';
import { paramsOf, queryOf, type RouteDef } from '../route.js';

const BASE = '/v1/topics/:topic/groups/:group/dead-letters';

function names(params: Record<string, string | undefined>): { dlq: string; position: number } {
  assertGroup(params.group);
  return { dlq: deadLetterTopic(params.topic!, params.group), position: integer(params.position) };
}

/** The dead letters of one group on one topic: list, show, redrive (optionally edited), discard. */
export function deadLetterRoutes(): RouteDef[] {
  const permission = { kind: 'topic', action: 'admin' } as const;
  return [
    {
      id: 'listDeadLetters', method: 'GET', url: BASE, tag: 'dead letters', permission,
      summary: 'The group\'s dead letters: each original event with its failure (error, attempts, handler).',
      query: { limit: { description: 'at most this many (1-1000, default 100)', type: 'integer' } },
      response: '{ deadLetters: [{ dlqTopic, dlqPosition, event, context }] }',
      handler: async (req, _reply, ctx) => {
        const { dlq } = names(paramsOf(req));
        const out: DeadLetter[] = [];
        for await (const letter of listDeadLetters(ctx.log, dlq, limitQuery(queryOf(req), 100, 1000))) out.push(letter);
        return { deadLetters: out };
      },
    },
    {
      id: 'getDeadLetter', method: 'GET', url: `${BASE}/:position`, tag: 'dead letters', permission,
      summary: 'One dead letter.', response: '{ dlqTopic, dlqPosition, event, context }',
      handler: async (req, _reply, ctx) => {
        const { dlq, position } = names(paramsOf(req));
        return getDeadLetter(ctx.log, dlq, position);
      },
    },
    {
      id: 'redriveDeadLetter', method: 'POST', url: `${BASE}/:position/redrive`, tag: 'dead letters', permission,
      summary: 'Hand a dead letter back to the group that failed it (only that group), optionally replaced by an edited event, then remove it.',
      body: { contentTypes: ['application/json'], description: '{ event? }: the edited event (same id), or nothing to redrive it as it was' },
      response: 'the dead letter that was redriven',
      handler: async (req, _reply, ctx) => {
        const { dlq, position } = names(paramsOf(req));
        const edited = jsonBody(req).event;
        if (edited !== undefined && (typeof edited !== 'object' || edited === null)) throw invalidArgument('event must be a CloudEvent', { field: 'event' });
        return redriveDeadLetter(ctx.log, dlq, position, edited === undefined ? undefined : () => edited as CloudEvent);
      },
    },
    {
      id: 'discardDeadLetter', method: 'DELETE', url: `${BASE}/:position`, tag: 'dead letters', permission,
      summary: 'Drop a dead letter for good.', response: '{ deleted }',
      handler: async (req, _reply, ctx) => {
        const { dlq, position } = names(paramsOf(req));
        return { deleted: await discardDeadLetter(ctx.log, dlq, position) };
      },
    },
  ];
}
