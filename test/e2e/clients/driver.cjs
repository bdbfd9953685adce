'use strict';
// Drives the real `openai` client (or the Vercel AI SDK) through one GenAI
// instrumentation family against the fake OpenAI server, exporting OTLP/HTTP
// to Periscope. One process per family so instrumentations never stack.
//
// Environment:
//   E2E_FAMILY       otel | traceloop | openinference | vercel
//   E2E_OPENAI_URL   base URL of the fake server, e.g. http://127.0.0.1:4010/v1
//   E2E_OTLP_URL     Periscope's OTLP/HTTP receiver, e.g. http://127.0.0.1:4318
//   E2E_SCENARIOS    path of scenarios.json
//   E2E_ROUND        round number, recorded on each scenario span (default 1)
//   E2E_ONLY         optional comma-separated scenario ids
//   E2E_REPEAT       times each selected scenario is sent (default 1)
//
// Each scenario's root span carries a user id (user.id, as an app's request
// span would) for genai_metrics' per-user cost. A full run (no E2E_ONLY) also
// sends one manually instrumented agent run (semconv invoke_agent /
// execute_tool, no model call): a tool called three times with the same
// arguments, once failing, so that genai_rollup flags a loop and genai_metrics
// emits agent, tool and loop metrics.

const fs = require('node:fs');
const { trace } = require('@opentelemetry/api');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');

const family = process.env.E2E_FAMILY;
const baseURL = process.env.E2E_OPENAI_URL;
const otlp = (process.env.E2E_OTLP_URL || '').replace(/\/$/, '');
const round = Number(process.env.E2E_ROUND || '1');
const only = (process.env.E2E_ONLY || '').split(',').filter(Boolean);
const repeat = Math.max(1, Number(process.env.E2E_REPEAT || '1'));
if (!family || !baseURL || !otlp || !process.env.E2E_SCENARIOS) {
  console.error('E2E_FAMILY, E2E_OPENAI_URL, E2E_OTLP_URL and E2E_SCENARIOS are required');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(process.env.E2E_SCENARIOS, 'utf8'));
const scenarios = spec.scenarios
  .filter((s) => only.length === 0 || only.includes(s.id))
  .flatMap((s) => Array(repeat).fill(s));

const resource = resourceFromAttributes({
  'service.name': `e2e-${family}`,
  'service.version': '1.0.0',
  'deployment.environment.name': 'e2e',
});

// Two wire encodings are covered: JSON for otel and vercel, protobuf for the others.
function traceExporter() {
  const url = `${otlp}/v1/traces`;
  if (family === 'traceloop' || family === 'openinference') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ url });
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url });
}

const tracerProvider = new NodeTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(traceExporter(), { scheduledDelayMillis: 200 })],
});
tracerProvider.register();

let loggerProvider;
const instrumentations = [];
switch (family) {
  case 'otel': {
    // The official instrumentation records message content as log records.
    const { logs } = require('@opentelemetry/api-logs');
    const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
    const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
    loggerProvider = new LoggerProvider({
      resource,
      processors: [
        // One record per OTLP request: a call's system, user and choice
        // records arrive apart, as they do from any SDK whose log batches
        // close mid-call; Periscope must still judge each call once.
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: `${otlp}/v1/logs` }),
          scheduledDelayMillis: 200,
          maxExportBatchSize: 1,
        }),
      ],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
    const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
    instrumentations.push(new OpenAIInstrumentation({ captureMessageContent: true }));
    break;
  }
  case 'traceloop': {
    const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
    instrumentations.push(new OpenAIInstrumentation({ traceContent: true, enrichTokens: false }));
    break;
  }
  case 'openinference': {
    const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
    instrumentations.push(new OpenAIInstrumentation());
    break;
  }
  case 'vercel':
    break; // the AI SDK emits its own spans through experimental_telemetry
  default:
    console.error(`unknown family ${family}`);
    process.exit(2);
}
registerInstrumentations({ instrumentations, tracerProvider, loggerProvider });

// Required only after the instrumentations are registered so the module hook patches it.
const OpenAI = require('openai');
const OpenAIClass = OpenAI.OpenAI || OpenAI.default || OpenAI;
function messages(s) {
  const out = [];
  if (!s.no_system) {
    out.push({ role: 'system', content: s.context ? `${spec.system}\n${s.context}` : spec.system });
  }
  out.push({ role: 'user', content: s.user });
  return out;
}

const headersFor = (s) => ({ 'x-e2e-scenario': s.id, 'x-e2e-family': family });

async function runOpenAI(client, s) {
  const opts = { headers: headersFor(s) };
  switch (s.kind) {
    case 'embeddings':
      await client.embeddings.create({ model: s.model, input: s.user }, opts);
      return;
    case 'stream': {
      const stream = await client.chat.completions.create(
        { model: s.model, messages: messages(s), stream: true, stream_options: { include_usage: true } },
        opts,
      );
      let text = '';
      for await (const chunk of stream) text += chunk.choices?.[0]?.delta?.content || '';
      if (text !== s.reply) throw new Error(`stream text mismatch: ${JSON.stringify(text)}`);
      return;
    }
    default: {
      const res = await client.chat.completions.create({ model: s.model, messages: messages(s) }, opts);
      if (res.choices[0].message.content !== s.reply) throw new Error('reply mismatch');
    }
  }
}

async function runVercel(s) {
  const { generateText, streamText, embed } = require('ai');
  const { createOpenAI } = require('@ai-sdk/openai');
  const provider = createOpenAI({ baseURL, apiKey: 'e2e-not-a-key' });
  const telemetry = { isEnabled: true, functionId: `e2e-${s.id}`, metadata: { scenario: s.id } };
  const msgs = messages(s);
  const system = msgs[0].role === 'system' ? msgs[0].content : undefined;
  const prompt = msgs[msgs.length - 1].content;
  switch (s.kind) {
    case 'embeddings':
      await embed({
        model: provider.embedding(s.model),
        value: s.user,
        headers: headersFor(s),
        experimental_telemetry: telemetry,
      });
      return;
    case 'stream': {
      const res = streamText({
        model: provider.chat(s.model),
        system,
        prompt,
        headers: headersFor(s),
        experimental_telemetry: telemetry,
      });
      const text = await res.text;
      await res.usage;
      if (text !== s.reply) throw new Error(`stream text mismatch: ${JSON.stringify(text)}`);
      return;
    }
    default: {
      const res = await generateText({
        model: provider.chat(s.model),
        system,
        prompt,
        headers: headersFor(s),
        experimental_telemetry: telemetry,
      });
      if (res.text !== s.reply) throw new Error('reply mismatch');
    }
  }
}

// A manually instrumented agent run (semconv): invoke_agent around three
// identical execute_tool calls, the last one failing. No model call, so no
// cost: the per-scenario cost and call counts are unchanged.
async function agentRun(tracer) {
  await tracer.startActiveSpan(
    'invoke_agent e2e-agent',
    {
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'openai',
        'gen_ai.agent.name': 'e2e-agent',
        'e2e.family': family,
      },
    },
    async (agent) => {
      for (let i = 0; i < 3; i++) {
        tracer.startActiveSpan(
          'execute_tool lookup',
          {
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              // genai_eval judges tool calls that have no model call beside
              // them: the provider keeps those evaluations off _OTHER.
              'gen_ai.provider.name': 'openai',
              'gen_ai.tool.name': 'lookup',
              'gen_ai.tool.call.arguments': '{"q":"e2e"}',
            },
          },
          (tool) => {
            if (i === 2) {
              tool.setAttribute('error.type', 'timeout');
              tool.setStatus({ code: 2, message: 'timeout' });
            }
            tool.end();
          },
        );
      }
      agent.end();
    },
  );
}

async function main() {
  const tracer = trace.getTracer('periscope-e2e-driver');
  const client = new OpenAIClass({ baseURL, apiKey: 'e2e-not-a-key', maxRetries: 0, timeout: 10000 });
  let failed = 0;
  for (const s of scenarios) {
    // One trace per scenario: a plain parent span names it, the instrumentation's spans are its children.
    await tracer.startActiveSpan(
      `e2e ${s.id}`,
      {
        attributes: {
          'e2e.scenario': s.id,
          'e2e.family': family,
          'e2e.round': round,
          'user.id': `e2e-user-${s.id.length % 3}`,
        },
      },
      async (span) => {
        try {
          if (family === 'vercel') await runVercel(s);
          else await runOpenAI(client, s);
        } catch (err) {
          failed++;
          console.error(`${family} ${s.id}: ${err.stack || err}`);
          span.setStatus({ code: 2, message: String(err.message || err) });
        } finally {
          span.end();
        }
      },
    );
  }
  if (only.length === 0) await agentRun(tracer);
  await tracerProvider.forceFlush();
  if (loggerProvider) await loggerProvider.forceFlush();
  await tracerProvider.shutdown();
  if (loggerProvider) await loggerProvider.shutdown();
  console.log(`${family}: ${scenarios.length - failed}/${scenarios.length} scenarios sent (round ${round})`);
  process.exit(failed ? 1 : 0);
}

// Hard stop: a hung export must not hang the test.
setTimeout(() => {
  console.error(`${family}: timed out`);
  process.exit(3);
}, Number(process.env.E2E_DRIVER_TIMEOUT_MS || 60000)).unref();

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
