// sixstep serve: step 6 — put a saved model behind HTTP on this machine
// (127.0.0.1 unless told otherwise), watch drift, take feedback. SIGTERM or
// Ctrl-C lets in-flight requests finish, saves the records, then exits.
import type { Command } from 'commander';
import { Predictor, OnnxEngine, createServer, listen, testValueOf, onnxRuntimeInstalled } from '../../serve/index.js';
import { setNumThreads } from '../../tensor/index.js';
import { UsageError } from '../errors.js';
import { openProject } from '../common.js';
import { makeOut } from '../output.js';
import { isImageModel } from '../../serve/index.js';
import { serveImages } from './serve_images.js';
import { addDeviceOption, chooseDevice } from '../device.js';
import { tableServeEngine } from '../serve_engine.js';
import { exitOnSignals } from '../serve_signals.js';

interface ServeOptions {
  model: string;
  port: string;
  host: string;
  project: string;
  bodyLimit: string;
  maxRows: string;
  batchRows: string;
  engine: string;
  threads: string;
  json?: boolean;
  maxImages?: string;
  device?: string;
}

export function serveCommand(program: Command): void {
  addDeviceOption(program.command('serve'))
    .description('step 6: serve a saved model over HTTP (predict, health, ready, model, drift, feedback)')
    .requiredOption('--model <dir>', 'a model directory written by fit or auto')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--host <address>', 'address to bind; the default keeps the server on this machine', '127.0.0.1')
    .option('--project <dir>', 'project folder whose store records predictions, feedback and drift', 'sixstep-project')
    .option('--body-limit <bytes>', 'largest request body; larger ones get 413', String(1 << 20))
    .option('--max-rows <n>', 'most rows in one request', '10000')
    .option('--batch-rows <n>', 'most rows of concurrent requests joined in one forward pass (0: no micro-batching)', '512')
    .option('--engine <engine>', 'onnx: the exported network; small requests inline on the event loop (a table graph in JavaScript when that measured faster for one row, else ONNX Runtime; the row limit measured at start-up), large batches in ONNX Runtime on a worker thread; torch: libtorch on the event loop', 'onnx')
    .option('--threads <n>', 'intra-op threads for the network (and libtorch); 1 suits small models, leaving the other core to the HTTP side', '1')
    .option('--max-images <n>', 'image models: most images in one request', '64')
    .option('--json', 'print one JSON line when listening')
    .addHelpText('after', `
Routes:
  POST /predict   {"rows": [{"<column>": <value>, …}]} → predictions with ids (and class probabilities)
  POST /feedback  {"labels": [{"id": "<prediction id>", "label": <true class or value>}]} → real-world metric
  GET  /health, /ready, /model, /drift
Image models: POST /predict takes multipart/form-data (image files, any field names), JSON
  {"images": ["<base64>", …]} or a raw image/* body; 413 too large, 415 not an image, 422 corrupt.
Example:
  sixstep serve --model sixstep-project/models/<run> --port 8080
  curl -s localhost:8080/predict -H 'content-type: application/json' -d '{"rows":[{"Beak Length (mm)":39.1, …}]}'`)
    .action(async (o: ServeOptions, cmd: Command) => {
      const device = chooseDevice(o);
      if (isImageModel(o.model)) return serveImages({ ...o, device: device.device }, cmd.getOptionValueSource('bodyLimit') === 'cli');
      const out = makeOut(Boolean(o.json));
      if (o.engine !== 'onnx' && o.engine !== 'torch') throw new UsageError(`--engine: expected onnx or torch, found ${JSON.stringify(o.engine)}`);
      // ONNX Runtime runs on the CPU here: a GPU means libtorch's engine (an explicit --engine onnx with one is refused).
      const onnxRuntime = o.engine === 'onnx' ? await onnxRuntimeInstalled() : true;
      const run = tableServeEngine({ engine: o.engine, engineGiven: cmd.getOptionValueSource('engine') === 'cli', device: o.device ?? 'auto', resolved: device.device, onnxRuntime });
      if (run.note) process.stderr.write(`note: ${run.note}\n`);
      o.engine = run.engine;
      const threads = Number(o.threads);
      if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`--threads: expected a whole number ≥ 1, found ${JSON.stringify(o.threads)}`);
      // libtorch's pool otherwise takes every core (and spins) for what is, when serving, a few small ops per request.
      setNumThreads(threads);
      const predictor = Predictor.load(o.model, { device: run.device });
      let engine: OnnxEngine | undefined;
      const { store } = openProject(o.project);
      let served;
      try {
        if (o.engine === 'onnx') engine = await OnnxEngine.start(predictor, { threads });
        served = createServer({ predictor, store, engine, testValue: testValueOf(store, predictor, o.model), bodyLimit: Number(o.bodyLimit), maxRows: Number(o.maxRows), batchRows: Number(o.batchRows) });
      } catch (e) {
        await engine?.close();
        predictor.dispose();
        store.close();
        throw e;
      }
      const s = served;
      exitOnSignals(async () => {
        await s.close();
        await engine?.close();
        predictor.dispose();
        store.close();
      }, { json: Boolean(o.json) });
      const url = await listen(s, { host: o.host, port: Number(o.port) });
      out.say(`serving ${predictor.dir} (${predictor.task}) at ${url}`);
      if (engine) out.say(`small requests (up to ${engine.inlineChoice.rows ?? 0} rows) run on the event loop in ${engine.inlineChoice.runner ?? 'nothing'}: ${engine.inlineChoice.reason}`);
      if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) out.say(out.color.yellow(`note: bound to ${o.host}: the model is reachable from other machines, and the server has no authentication`));
      out.result({ url, model: predictor.dir, modelKey: predictor.modelKey, task: predictor.task, reference: s.monitor.reference.source, engine: o.engine, inline: engine?.inlineChoice ?? null, device: predictor.device });
    });
}
