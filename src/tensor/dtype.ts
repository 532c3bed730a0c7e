// Element types: names for people, libtorch's ScalarType codes for the addon.

export type DType = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64' | 'bool' | 'bfloat16';

// c10::ScalarType enumeration values (stable across libtorch 1.13 and 2.x).
export const dtypeCode: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};

const byCode = new Map<number, DType>(Object.entries(dtypeCode).map(([k, v]) => [v, k as DType]));

export function dtypeOf(code: number): DType {
  const d = byCode.get(code);
  if (!d) throw new Error(`unsupported dtype code ${code}`);
  return d;
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array;

/** The JavaScript array type that holds a dtype's values exactly. */
export function arrayFor(dtype: DType, buffer: ArrayBuffer): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    default:
      throw new Error(`no JavaScript array type for ${dtype}: convert with .to('float32') first`);
  }
}

/** The dtype a typed array maps to by default. */
export function dtypeForArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export const elementSize: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, bool: 1, bfloat16: 2,
};
