// SPDX-License-Identifier: BSD-3-Clause
// BullMQ end to end against a server on 127.0.0.1:PORT (argv[2]): plain,
// failing-then-retried, delayed, prioritized and rate-limited jobs.  Prints
// one "ok <step>" line per step and exits 0 when all passed; any failure
// prints "FAIL <step>: <why>" and exits 1.  Run by test_bullmq.py.
'use strict';
const { Queue, Worker, QueueEvents } = require('bullmq');

const connection = { host: '127.0.0.1', port: Number(process.argv[2]), maxRetriesPerRequest: null };
const deadline = (ms, what) =>
    new Promise((_, reject) => setTimeout(() => reject(new Error('timed out: ' + what)), ms));

async function step(name, fn) {
    try {
        await Promise.race([fn(), deadline(30000, name)]);
        console.log('ok ' + name);
    } catch (e) {
        console.log('FAIL ' + name + ': ' + (e && e.stack ? e.stack : e));
        process.exit(1);
    }
}

function check(cond, why) {
    if (!cond) throw new Error(why);
}

// Runs 'handler' as the worker of queue 'name' until 'done' resolves.
async function withWorker(name, handler, opts, body) {
    const worker = new Worker(name, handler, { connection, ...opts });
    try {
        await worker.waitUntilReady();
        return await body(worker);
    } finally {
        await worker.close();
    }
}

function waitFor(emitter, event, n) {
    return new Promise((resolve) => {
        const seen = [];
        emitter.on(event, (...args) => {
            seen.push(args);
            if (seen.length === n) resolve(seen);
        });
    });
}

async function main() {
    await step('add and process jobs to completion', async () => {
        const q = new Queue('plain', { connection });
        await q.obliterate({ force: true });
        await withWorker('plain', async (job) => job.data.x * 2, {}, async (w) => {
            const done = waitFor(w, 'completed', 5);
            for (let i = 0; i < 5; i++) await q.add('double', { x: i });
            const results = (await done).map(([job, r]) => r).sort((a, b) => a - b);
            check(JSON.stringify(results) === '[0,2,4,6,8]', 'results ' + JSON.stringify(results));
        });
        const counts = await q.getJobCounts('completed', 'waiting', 'active', 'failed');
        check(counts.completed === 5 && counts.waiting === 0 && counts.active === 0,
              'counts ' + JSON.stringify(counts));
        await q.close();
    });

    await step('a failing job is retried with backoff, then fails for good', async () => {
        const q = new Queue('retry', { connection });
        await q.obliterate({ force: true });
        let attempts = 0;
        await withWorker('retry', async (job) => {
            attempts++;
            if (job.data.ok && job.attemptsMade >= 1) return 'recovered';
            throw new Error('boom ' + job.attemptsMade);
        }, {}, async (w) => {
            const failed = waitFor(w, 'failed', 4);
            const completed = waitFor(w, 'completed', 1);
            await q.add('flaky', { ok: true }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
            await q.add('broken', { ok: false }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
            const [[job, result]] = await completed;
            check(result === 'recovered' && job.attemptsMade === 2, 'flaky job ' + result);
            await failed;
        });
        const failedJobs = await q.getFailed();
        check(failedJobs.length === 1 && failedJobs[0].attemptsMade === 3 &&
              failedJobs[0].failedReason === 'boom 2', 'failed ' + JSON.stringify(failedJobs));
        check(attempts === 5, 'attempts ' + attempts);
        await q.close();
    });

    await step('a delayed job waits for its delay', async () => {
        const q = new Queue('delayed', { connection });
        await q.obliterate({ force: true });
        const added = Date.now();
        const job = await q.add('later', {}, { delay: 700 });
        check((await job.getState()) === 'delayed', 'state ' + (await job.getState()));
        check((await q.getDelayedCount()) === 1, 'delayed count');
        await withWorker('delayed', async () => Date.now(), {}, async (w) => {
            const [[, at]] = await waitFor(w, 'completed', 1);
            check(at - added >= 650, 'ran after ' + (at - added) + ' ms');
        });
        await q.close();
    });

    await step('prioritized jobs run highest priority (lowest number) first', async () => {
        const q = new Queue('prio', { connection });
        await q.obliterate({ force: true });
        for (const p of [5, 1, 3, 2, 4]) await q.add('p' + p, { p }, { priority: p });
        const order = [];
        await withWorker('prio', async (job) => { order.push(job.data.p); }, { concurrency: 1 },
                         async (w) => { await waitFor(w, 'completed', 5); });
        check(JSON.stringify(order) === '[1,2,3,4,5]', 'order ' + JSON.stringify(order));
        await q.close();
    });

    await step('a rate-limited queue spaces its jobs out', async () => {
        const q = new Queue('limited', { connection });
        await q.obliterate({ force: true });
        for (let i = 0; i < 6; i++) await q.add('r', { i });
        const times = [];
        const started = Date.now();
        await withWorker('limited', async () => { times.push(Date.now()); },
                         { limiter: { max: 2, duration: 400 } },
                         async (w) => { await waitFor(w, 'completed', 6); });
        // Six jobs, two per 400 ms window: at least two full windows pass.
        check(times[5] - started >= 750, 'six jobs in ' + (times[5] - started) + ' ms');
        await q.close();
    });

    await step('queue events report completion to another connection', async () => {
        const q = new Queue('events', { connection });
        await q.obliterate({ force: true });
        const events = new QueueEvents('events', { connection });
        await events.waitUntilReady();
        await withWorker('events', async () => 'fine', {}, async () => {
            const job = await q.add('e', {});
            const result = await job.waitUntilFinished(events, 20000);
            check(result === 'fine', 'result ' + result);
        });
        await events.close();
        await q.close();
    });
    process.exit(0);
}

main();
