// The do-it-yourself stack that Herald's benchmark measures side by side (`bench diy`): what a
// team would build instead of Herald. A small Node service accepts the same trigger call as
// Herald (POST /ajo/im/executions/unitary, bearer key), queues one graphile-worker job per
// recipient on PostgreSQL (one statement per call, committed before the 202), and a worker in
// the same process renders each email and sends it with nodemailer over pooled SMTP connections.
//
// It does less than Herald for each call, to its advantage: no idempotency key, no campaign
// lookup, no consent or suppression check, no report counters, no per-message record beyond
// the job itself (graphile-worker deletes a job once it succeeded).
//
// Environment: DATABASE_URL, SMTP_PORT, API_KEY, CONCURRENCY (jobs at once, default 32),
// WORKER=off to accept without sending. Prints "PORT <n>" once it listens.

const http = require("node:http");
const { Logger, run, makeWorkerUtils } = require("graphile-worker");
const nodemailer = require("nodemailer");
const pg = require("pg");

const env = process.env;
const concurrency = Number(env.CONCURRENCY || 32);
const MAX_BODY = 1 << 20;

function fill(template, values) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name) => String(values[name] ?? ""));
}

// Warnings and errors on stderr; stdout carries only the port.
const logger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`[worker] ${level}: ${message}`);
});

async function main() {
  // One pool for accepting and working, large enough for both.
  const pgPool = new pg.Pool({ connectionString: env.DATABASE_URL, max: concurrency + 12 });
  pgPool.on("error", (e) => console.error(`[pg] ${e}`));
  const utils = await makeWorkerUtils({ pgPool, logger });
  await utils.migrate();
  if (env.WORKER !== "off") {
    const smtp = nodemailer.createTransport({
      host: "127.0.0.1",
      port: Number(env.SMTP_PORT),
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: concurrency,
      maxMessages: Infinity,
    });
    await run({
      pgPool,
      logger,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      crontab: "",
      preset: {
        worker: { localQueue: { size: 4 * concurrency }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
      },
      taskList: {
        send: async (job) =>
          smtp.sendMail({
            from: "Bench <bench@example.com>",
            to: job.to,
            subject: fill("Bench {{t}}", job),
            html: fill("<p>Hi {{firstName}}, your code is {{t}}.</p>", job),
            text: fill("Hi {{firstName}}, your code is {{t}}.", job),
          }),
      },
    });
  }
  const server = http.createServer((req, res) => {
    const answer = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/ajo/im/executions/unitary") {
      return answer(404, { title: "not found" });
    }
    if (req.headers.authorization !== `Bearer ${env.API_KEY}`) {
      return answer(401, { title: "unauthorized" });
    }
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on("end", async () => {
      let call;
      try {
        call = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return answer(400, { title: "invalid JSON" });
      }
      if (!call.campaignId || !Array.isArray(call.recipients) || call.recipients.length === 0) {
        return answer(400, { title: "campaignId and recipients are required" });
      }
      const jobs = call.recipients.map((r) => ({
        identifier: "send",
        payload: {
          to: r.userId,
          firstName: r.profile?.person?.name?.firstName ?? "there",
          t: r.context?.t ?? "",
        },
      }));
      try {
        await utils.addJobs(jobs);
        answer(202, { requestId: call.requestId });
      } catch (e) {
        answer(503, { title: String(e) });
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(`PORT ${server.address().port}`));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
