// Which engine and device serve a table model. ONNX Runtime (the default,
// off the event loop) computes on the CPU in this build, so a GPU means
// libtorch's engine: --device auto keeps the default ONNX engine on the CPU
// (small table models gain nothing from a GPU per request), an explicit GPU
// switches the default engine to torch there, and an explicit --engine onnx
// with an explicit GPU is refused rather than silently run on the CPU.
// Without onnxruntime-node (an optional dependency) the default engine is
// libtorch's, said in a note; an explicit --engine onnx is refused, naming
// the command that installs it.
import { UsageError } from './errors.js';
import { ONNX_RUNTIME_INSTALL } from '../serve/onnx_runtime.js';

export interface TableServeEngine {
  engine: 'onnx' | 'torch';
  device: string;
  /** What was changed from the request, and why (printed on stderr). */
  note?: string;
}

export function tableServeEngine(o: { engine: string; engineGiven: boolean; device: string; resolved: string; onnxRuntime?: boolean }): TableServeEngine {
  const engine = o.engine === 'torch' ? 'torch' : 'onnx';
  if (engine === 'onnx' && o.onnxRuntime === false) {
    const missing = `onnxruntime-node (an optional dependency) is not installed; \`${ONNX_RUNTIME_INSTALL}\` adds it`;
    if (o.engineGiven) throw new UsageError(`--engine onnx: ${missing}, or serve with --engine torch`);
    return { engine: 'torch', device: o.resolved, note: `serving with libtorch (--engine torch): ${missing} for the ONNX engine` };
  }
  if (o.resolved === 'cpu' || engine === 'torch') return { engine, device: o.resolved };
  const asked = o.device.trim().toLowerCase() !== 'auto';
  if (!asked) return { engine, device: 'cpu', note: `--device auto: the ONNX engine computes on the CPU (${o.resolved} is not used); --engine torch --device ${o.resolved} serves on the GPU` };
  if (o.engineGiven) throw new UsageError(`--engine onnx --device ${o.device}: the ONNX engine computes on the CPU; use --engine torch to serve on ${o.resolved}, or --device cpu`);
  return { engine: 'torch', device: o.resolved, note: `--device ${o.device}: serving with libtorch on ${o.resolved} (the ONNX engine computes on the CPU)` };
}
