// A small ONNX graph builder over onnx-proto's generated classes: named
// values, initializers from typed arrays, nodes with typed attributes, and a
// ModelProto with the opset stated. Every exporter writes through this, so the
// protobuf details live in one place.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The operator set every exported graph is written against (ai.onnx; ai.onnx.ml is not used). */
export const OPSET = 13;
/** IR version 7 goes with opset 13 (onnx 1.8); every current runtime reads it. */
export const IR_VERSION = 7;

export type ElemType = 'float32' | 'int64' | 'bool';
const ELEM: Record<ElemType, number> = { float32: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, bool: onnx.TensorProto.DataType.BOOL };

/** A dimension: a fixed size or a symbolic name (the dynamic batch axis is 'batch'). */
export type Dim = number | string;

type Attr = number | number[] | string | { floats: number[] } | { float: number };

export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  name(prefix: string): string {
    let n = prefix;
    while (this.used.has(n)) n = `${prefix}_${++this.counter}`;
    this.used.add(n);
    return n;
  }

  input(name: string, type: ElemType, shape: Dim[], doc = ''): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, type, shape, doc));
    return name;
  }

  output(value: string, name: string, type: ElemType, shape: Dim[], doc = ''): string {
    // Outputs get their public name through an Identity, so internal names stay free.
    this.used.add(name);
    this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, type, shape, doc));
    return name;
  }

  /** A float32 initializer (weights, statistics). */
  floats(prefix: string, data: ArrayLike<number>, dims: number[]): string {
    const name = this.name(prefix);
    const f = Float32Array.from(data);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: ELEM.float32, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) }));
    return name;
  }

  /** An int64 initializer (shapes, axes, indices). */
  ints(prefix: string, data: number[], dims: number[] = [data.length]): string {
    const name = this.name(prefix);
    const b = BigInt64Array.from(data.map((v) => BigInt(v)));
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: ELEM.int64, rawData: new Uint8Array(b.buffer) }));
    return name;
  }

  /** Adds a node; returns its (first) output's name. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, out?: string, outputs = 1): string {
    const names = Array.from({ length: outputs }, (_, i) => (i === 0 && out ? out : this.name(`${op.toLowerCase()}_out`)));
    if (out) this.used.add(out);
    const attribute = Object.entries(attrs).map(([k, v]) => attribute_(k, v));
    this.nodes.push(onnx.NodeProto.create({ opType: op, input: inputs, output: names, name: this.name(`${op}_node`), attribute }));
    return names[0];
  }

  /** The serialized model. */
  encode(o: { graphName: string; doc: string; metadata: Record<string, string> }): Uint8Array {
    const graph = onnx.GraphProto.create({ name: o.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs, docString: o.doc });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })],
      producerName: 'sixstep',
      producerVersion: '0.1.0',
      graph,
      docString: o.doc,
      metadataProps: Object.entries(o.metadata).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: ElemType, shape: Dim[], doc: string) {
  const dim = shape.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : onnx.TensorShapeProto.Dimension.create({ dimParam: d })));
  return onnx.ValueInfoProto.create({ name, docString: doc, type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: ELEM[type], shape: onnx.TensorShapeProto.create({ dim }) }) }) });
}

function attribute_(name: string, v: Attr) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return onnx.AttributeProto.create({ name, type: T.INT, i: v });
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if ('floats' in v) return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: v.floats });
  return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
}

/** Parses a serialized model back (tests and the CLI read the opset and names from it). */
export function decodeModel(bytes: Uint8Array) {
  return onnx.ModelProto.decode(bytes);
}
