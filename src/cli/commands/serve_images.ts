// sixstep serve for image models: the image server (serve/image_server.ts)
// with the same start-up and graceful shutdown as for tables.
import { ImagePredictor, createImageServer, testValueOf, type Predictor } from '../../serve/index.js';
import { openProject } from '../common.js';
import { makeOut } from '../output.js';
import { exitOnSignals } from '../serve_signals.js';

export interface ImageServeOptions {
  model: string;
  port: string;
  host: string;
  project: string;
  bodyLimit: string;
  maxImages?: string;
  json?: boolean;
  device?: string;
}

export async function serveImages(o: ImageServeOptions, bodyLimitGiven: boolean): Promise<void> {
  const out = makeOut(Boolean(o.json));
  const predictor = ImagePredictor.load(o.model, { device: o.device });
  const { store } = openProject(o.project);
  let served;
  try {
    served = createImageServer({
      predictor,
      store,
      // testValueOf reads only dir, metric and manifest.metrics, which an ImagePredictor has too.
      testValue: testValueOf(store, predictor as unknown as Predictor, o.model),
      // The table default (1 MiB) is small for photos: 10 MiB unless given.
      bodyLimit: bodyLimitGiven ? Number(o.bodyLimit) : undefined,
      maxImages: o.maxImages ? Number(o.maxImages) : undefined,
    });
  } catch (e) {
    predictor.dispose();
    store.close();
    throw e;
  }
  const s = served;
  exitOnSignals(async () => {
    await s.close();
    predictor.dispose();
    store.close();
  }, { json: Boolean(o.json) });
  const url = await s.app.listen({ host: o.host, port: Number(o.port) });
  out.say(`serving ${predictor.dir} (image ${predictor.task}, ${predictor.shape.join('×')}) at ${url}`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(o.host)) out.say(out.color.yellow(`note: bound to ${o.host}: the model is reachable from other machines, and the server has no authentication`));
  out.result({ url, model: predictor.dir, modelKey: predictor.modelKey, task: predictor.task, kind: 'image', device: o.device ?? 'cpu' });
}
