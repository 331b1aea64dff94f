// What a user could build instead of the service: a Standard Webhooks deliverer on graphile-worker,
// one job per delivery, batched fetch (local queue) and batched completion, 16 jobs at a time.
// Driven by the benchmark over stdin/stdout, one line each:
//   it prints "ready" once migrated, started and warmed up;
//   on "go" it adds the measured jobs (batches of 200 from 4 concurrent adders) and prints "added MS", then "done MS"
//   when every job's POST has been answered; on "stop" (or when stdin closes) it stops and prints "stopped FAILED".
// Settings come from the environment: DATABASE_URL, RECEIVER_URL, WEBHOOK_SECRET (whsec_...), EVENT_TYPE,
// PAYLOADS_FILE (a JSON array of payload texts), WARM_UP (jobs to run before "ready"), ROUND (in the webhook ids).
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import readline from "node:readline";
import { Logger, makeWorkerUtils, run } from "graphile-worker";

const env = process.env;
const concurrency = 16;
const batchSize = 200;
const adders = 4;

const preset = {
  worker: {
    connectionString: env.DATABASE_URL,
    concurrentJobs: concurrency,
    maxPoolSize: concurrency + 2,
    localQueue: { size: batchSize },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
    // Warnings and errors only: the per-job info lines would cost more than the jobs.
    logger: new Logger(scope => (level, message) => {
      if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
    }),
  },
};

const key = Buffer.from(env.WEBHOOK_SECRET.replace(/^whsec_/, ""), "base64");
const target = new URL(env.RECEIVER_URL);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function post(id, body) {
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const signature = "v1," + crypto.createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return new Promise((resolve, reject) => {
    const request = http.request({
      agent,
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: "POST",
      timeout: 30_000,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
      },
    }, response => {
      response.resume();
      response.on("end", () => response.statusCode >= 200 && response.statusCode < 300
        ? resolve()
        : reject(new Error(`the receiver answered ${response.statusCode}`)));
    });
    request.on("timeout", () => request.destroy(new Error("no answer in 30 s")));
    request.on("error", reject);
    request.end(body);
  });
}

let delivered = 0;
let failed = 0;
let waiting = null;
const deliveredCount = target => new Promise(resolve => {
  if (delivered >= target) resolve();
  else waiting = { target, resolve };
});

const taskList = {
  deliver: async job => {
    try {
      await post(job.id, JSON.stringify({ type: job.type, timestamp: job.timestamp, data: job.data }));
    } catch (error) {
      failed++;
      throw error;
    }
    if (++delivered === waiting?.target) waiting.resolve();
  },
};

const payloads = JSON.parse(fs.readFileSync(env.PAYLOADS_FILE, "utf8"));
const jobs = (prefix, count) => Array.from({ length: count }, (_, i) => ({
  identifier: "deliver",
  payload: { id: `${prefix}_${i}`, type: env.EVENT_TYPE, timestamp: new Date().toISOString(), data: JSON.parse(payloads[i % payloads.length]) },
}));

async function addAll(utils, specs) {
  let next = 0;
  await Promise.all(Array.from({ length: adders }, async () => {
    for (let batch = next++; batch * batchSize < specs.length; batch = next++)
      await utils.addJobs(specs.slice(batch * batchSize, (batch + 1) * batchSize));
  }));
}

const utils = await makeWorkerUtils({ preset });
await utils.migrate();
const runner = await run({ preset, taskList, noHandleSignals: true });

const warmUp = Number(env.WARM_UP ?? 0);
if (warmUp > 0) {
  await addAll(utils, jobs(`warm${env.ROUND}`, warmUp));
  await deliveredCount(warmUp);
}
const measured = jobs(`msg${env.ROUND}`, payloads.length);
console.log("ready");

let stopping = null;
async function stop() {
  stopping ??= (async () => {
    await runner.stop();
    await utils.release();
    agent.destroy();
    console.log(`stopped ${failed}`);
    process.exit(0);
  })();
  return stopping;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", async line => {
  if (line === "go") {
    const started = performance.now();
    delivered = 0;
    const all = deliveredCount(measured.length);
    await addAll(utils, measured);
    console.log(`added ${(performance.now() - started).toFixed(0)}`);
    await all;
    console.log(`done ${(performance.now() - started).toFixed(0)}`);
  } else if (line === "stop") {
    await stop();
  }
});
// The benchmark went away (or closed stdin): stop rather than linger.
lines.on("close", stop);
