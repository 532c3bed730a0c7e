// The model families as plain-JSON specifications (saved with every model)
// and the one place that builds a module from a spec: training, serving,
// export and the layer table all build through here.
import type { Module } from '../nn/index.js';
import { TabularNet, modelColumns, type TabularNetOptions } from './tabular.js';
import { ResNet, type ResNetOptions } from './resnet.js';
import { layerTable, type LayerRow } from './summary.js';

export type ModelSpec = { family: 'tabular'; options: TabularNetOptions } | { family: 'resnet'; options: ResNetOptions };

export const MODEL_FAMILIES: readonly ModelSpec['family'][] = ['tabular', 'resnet'];

/** Why a manifest's family cannot be built, or null when it can. */
export function unknownFamily(spec: unknown): string | null {
  const family = (spec as { family?: unknown } | null)?.family;
  if ((MODEL_FAMILIES as readonly unknown[]).includes(family)) return null;
  if (family === 'sequence') return 'architecture family "sequence" (a text-only model of an earlier sixstep; text columns now join a table network): train it again';
  return `unknown architecture ${JSON.stringify(family)}`;
}

/**
 * Builds the module a spec describes (a spec is plain JSON: it is saved with
 * the model), moved once to `device` (default the CPU) before any optimizer
 * holds its parameters.
 */
export function buildModel(spec: ModelSpec, device = 'cpu'): Module {
  const m = buildOnCpu(spec);
  if (device !== 'cpu') m.to(device);
  return m;
}

function buildOnCpu(spec: ModelSpec): Module {
  switch (spec.family) {
    case 'tabular':
      return new TabularNet(spec.options);
    case 'resnet':
      return new ResNet(spec.options);
  }
}

/** The device a module's parameters live on ('cpu' for one without parameters); several devices are named all. */
export function parameterDevice(m: Module): string {
  const seen = [...new Set(m.parameters().map((t) => t.device))];
  return seen.length ? seen.join(', ') : 'cpu';
}

/** The layer table of a spec (built and released, so it costs a moment). */
export function describeModel(spec: ModelSpec): LayerRow[] {
  const m = buildModel(spec);
  try {
    return layerTable(m);
  } finally {
    m.dispose();
  }
}

/** The table columns a spec's network reads (tables); null for image models. */
export function specColumns(spec: ModelSpec): string[] | null {
  return spec.family === 'tabular' ? modelColumns(spec.options) : null;
}
