// Sends prompts to a Tandem job and prints one JSON line per answer: the result, or the dead letter
// that refused the request. Plain Kafka (kafkajs) and plain Avro (avsc) with the schemas of
// schemas/src/main/avro: nothing of Tandem's Java code.
//
//   node send.mjs --bootstrap localhost:9092 "It is a truth universally acknowledged" ""
//
// Options: --bootstrap HOST:PORT (required), --requests-topic, --results-topic,
// --dead-letter-topic (Tandem's defaults), --max-new-tokens N (32), --timeout SECONDS (120).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const options = {
  bootstrap: null,
  requestsTopic: 'tandem-requests',
  resultsTopic: 'tandem-results',
  deadLetterTopic: 'tandem-dead-letters',
  maxNewTokens: 32,
  timeout: 120,
};
const prompts = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const flag = args[i].match(/^--([a-z-]+)$/);
  if (!flag) {
    prompts.push(args[i]);
    continue;
  }
  const key = flag[1].replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  if (!(key in options)) throw new Error(`unknown option ${args[i]}`);
  options[key] = typeof options[key] === 'number' ? Number(args[++i]) : args[++i];
}
if (!options.bootstrap || prompts.length === 0) {
  console.error('usage: node send.mjs --bootstrap HOST:PORT [options] PROMPT...');
  process.exit(64);
}

// The schemas: the shared types of common/ first, then the three records that name them.
const schemas = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas', 'src', 'main', 'avro');
const registry = {};
for (const file of readdirSync(join(schemas, 'common'))) {
  avro.Type.forSchema(JSON.parse(readFileSync(join(schemas, 'common', file), 'utf8')), { registry });
}
const type = (name) =>
  avro.Type.forSchema(JSON.parse(readFileSync(join(schemas, `${name}.avsc`), 'utf8')), { registry });
const InferenceRequest = type('InferenceRequest');
const InferenceResult = type('InferenceResult');
const DeadLetter = type('DeadLetter');

const kafka = new Kafka({ clientId: 'tandem-node-client', brokers: [options.bootstrap], logLevel: logLevel.ERROR });
const admin = kafka.admin();
const producer = kafka.producer();
// A group of our own, whose offsets are set to the topics' ends before anything is sent: the
// answers to our requests come after them, and nothing older is read.
const groupId = `tandem-node-client-${randomUUID()}`;
const consumer = kafka.consumer({ groupId });

const waiting = new Map(); // requestId -> the prompt's position
let answered = 0;
let done;
const finished = new Promise((resolve) => (done = resolve));

function answer(requestId, line) {
  if (!waiting.has(requestId)) return; // someone else's request
  waiting.delete(requestId);
  console.log(JSON.stringify(line));
  if (++answered === prompts.length) done(0);
}

await admin.connect();
for (const topic of [options.resultsTopic, options.deadLetterTopic]) {
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
}
await admin.disconnect();

await consumer.connect();
await consumer.subscribe({ topics: [options.resultsTopic, options.deadLetterTopic] });
await consumer.run({
  eachMessage: async ({ topic, message }) => {
    if (topic === options.resultsTopic) {
      // results are keyed by request id; the value is an InferenceResult
      const result = InferenceResult.fromBuffer(message.value);
      answer(result.requestId, {
        requestId: result.requestId,
        text: result.text,
        finishReason: result.finishReason,
        generatedTokens: result.generatedTokens,
        rounds: result.rounds,
        acceptedTokens: result.acceptedTokens,
        draftedTokens: result.draftedTokens,
        latencyMs: result.latency.totalMs,
      });
    } else {
      // a dead letter carries the refused bytes, why, and the request id when they decoded
      const letter = DeadLetter.fromBuffer(message.value);
      const requestId = letter.requestId;
      answer(requestId, { requestId, deadLetter: { errorCode: letter.errorCode, field: letter.field, reason: letter.reason } });
    }
  },
});

await producer.connect();
for (const prompt of prompts) {
  const requestId = `node-${randomUUID()}`;
  waiting.set(requestId, prompt);
  // key: the request id (UTF-8); value: InferenceRequest in Avro binary, no framing; no headers
  const value = InferenceRequest.toBuffer({
    requestId,
    tenantId: 'default',
    prompt,
    maxNewTokens: options.maxNewTokens,
    sampling: { temperature: 0, topP: 1, seed: null },
    clientSendTime: Date.now(),
    uplink: null,
    trace: null,
    metadata: { client: 'node' },
    deadlineMs: null,
    speculation: null,
  });
  await producer.send({ topic: options.requestsTopic, messages: [{ key: requestId, value }] });
}

const timer = setTimeout(() => {
  for (const requestId of waiting.keys()) console.error(`no answer to ${requestId} within ${options.timeout} s`);
  done(1);
}, options.timeout * 1000);
const status = await finished;
clearTimeout(timer);
await producer.disconnect();
await consumer.disconnect();
process.exit(status);
