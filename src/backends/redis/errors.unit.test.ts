import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeraldError } from '../../core/errors.js';
import { fromRedis } from './errors.js';

describe('redis errors', () => {
  const reply = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
  const codeOf = (error: Error): unknown => (fromRedis(error, 'appending') as { code?: unknown }).code;

  it('maps server replies to herald codes, also when raised inside a script', () => {
    assert.equal(codeOf(reply('OOM command not allowed when used memory > \'maxmemory\'.')), 'HERALD_E_STORAGE_FULL');
    assert.equal(codeOf(reply('ERR user_script:1: OOM command not allowed')), 'HERALD_E_STORAGE_FULL');
    assert.equal(codeOf(reply('READONLY You can\'t write against a read only replica.')), 'HERALD_E_UNAVAILABLE');
    assert.equal(codeOf(reply('LOADING Redis is loading the dataset in memory')), 'HERALD_E_UNAVAILABLE');
    assert.equal(codeOf(reply('BUSY Redis is busy running a script.')), 'HERALD_E_BUSY');
    assert.equal(codeOf(reply('NOPERM this user has no permissions')), 'HERALD_E_FORBIDDEN');
    assert.equal(codeOf(reply('WRONGPASS invalid username-password pair')), 'HERALD_E_UNAUTHENTICATED');
  });

  it('a lost connection is HERALD_E_UNAVAILABLE (retryable); an unknown reply stays as it is', () => {
    const lost = fromRedis(new Error('Connection is closed.'), 'fetching') as HeraldError;
    assert.equal(lost.code, 'HERALD_E_UNAVAILABLE');
    assert.equal(lost.retryable, true);
    const unknown = reply('BUSYGROUP Consumer Group name already exists');
    assert.equal(fromRedis(unknown, 'x'), unknown, 'BUSYGROUP is not BUSY');
  });
});
