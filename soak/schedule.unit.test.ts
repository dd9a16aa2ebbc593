import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schedule, type Job } from './schedule.js';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('soak phase scheduling', () => {
  it('never runs two heavy jobs at once, runs light ones beside them, keeps result order', async () => {
    let heavy = 0;
    let running = 0;
    let maxHeavy = 0;
    let maxRunning = 0;
    const started: string[] = [];
    const job = (name: string, isHeavy: boolean, ticks: number): Job<string> => ({
      heavy: isHeavy,
      run: async () => {
        started.push(name);
        running++;
        if (isHeavy) heavy++;
        maxHeavy = Math.max(maxHeavy, heavy);
        maxRunning = Math.max(maxRunning, running);
        for (let i = 0; i < ticks; i++) await tick();
        running--;
        if (isHeavy) heavy--;
        return name;
      },
    });
    const jobs = [job('light-long', false, 20), job('h1', true, 3), job('h2', true, 3), job('light2', false, 2), job('h3', true, 3)];
    const results = await schedule(jobs, 2);
    assert.deepEqual(results, ['light-long', 'h1', 'h2', 'light2', 'h3']);
    assert.equal(maxHeavy, 1, 'two heavy jobs overlapped');
    assert.equal(maxRunning, 2, 'concurrency 2 was not used or was exceeded');
    assert.deepEqual(started.slice(0, 2), ['light-long', 'h1']);
  });

  it('with concurrency 1 runs everything in order, one at a time', async () => {
    const order: string[] = [];
    let running = 0;
    const job = (name: string, heavy: boolean): Job<string> => ({
      heavy, run: async () => { assert.equal(++running, 1); order.push(name); await tick(); running--; return name; },
    });
    await schedule([job('a', false), job('b', true), job('c', false)], 1);
    assert.deepEqual(order, ['a', 'b', 'c']);
  });
});
