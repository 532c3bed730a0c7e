// Moving data between JavaScript memory and tensors, and reading a tensor's
// metadata. Copies are explicit: a tensor never aliases JavaScript memory,
// so the garbage collector can never free storage libtorch still uses.
#include "common.h"

#include <ATen/ATen.h>

#include <cstring>

namespace six {
namespace {

at::ScalarType scalarTypeArg(const Napi::CallbackInfo& info, size_t i) {
  int64_t code = intArg(info, i, "dtype");
  if (code < 0 || code >= static_cast<int64_t>(at::ScalarType::NumOptions)) throw ArgumentError("unsupported dtype code " + std::to_string(code));
  switch (static_cast<at::ScalarType>(code)) {
    case at::kByte: case at::kChar: case at::kShort: case at::kInt: case at::kLong:
    case at::kHalf: case at::kFloat: case at::kDouble: case at::kBool: case at::kBFloat16:
      return static_cast<at::ScalarType>(code);
    default:
      throw ArgumentError("unsupported dtype code " + std::to_string(code));
  }
}

// fromBuffer(data: TypedArray | ArrayBuffer, shape: number[], dtype: number, device?: string) -> handle
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 3) throw ArgumentError("fromBuffer(data, shape, dtype[, device])");
    const uint8_t* src = nullptr;
    size_t bytes = 0;
    if (info[0].IsTypedArray()) {
      Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
      src = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      bytes = ta.ByteLength();
    } else if (info[0].IsArrayBuffer()) {
      Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
      src = static_cast<const uint8_t*>(ab.Data());
      bytes = ab.ByteLength();
    } else {
      throw ArgumentError("fromBuffer: data must be a typed array or an ArrayBuffer");
    }
    std::vector<int64_t> shape = intListArg(info[1], "shape");
    for (int64_t d : shape) if (d < 0) throw ArgumentError("fromBuffer: negative dimension in shape");
    at::ScalarType dtype = scalarTypeArg(info, 2);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t expected = static_cast<size_t>(t.numel()) * t.element_size();
    if (expected != bytes) {
      throw ArgumentError("fromBuffer: shape [" + c10::Join(", ", shape) + "] of " + std::string(c10::toString(dtype)) + " needs " +
                          std::to_string(expected) + " bytes, the data has " + std::to_string(bytes));
    }
    if (bytes) std::memcpy(t.data_ptr(), src, bytes);
    if (info.Length() > 3 && info[3].IsString()) {
      c10::Device device(info[3].As<Napi::String>().Utf8Value());
      if (!device.is_cpu()) t = t.to(device);
    }
    return Napi::Number::New(info.Env(), putTensor(std::move(t)));
  });
}

// toBuffer(handle) -> ArrayBuffer holding the contiguous little-endian data.
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    at::Tensor t = getTensor(info[0], "toBuffer").detach();
    if (!t.device().is_cpu()) t = t.to(at::kCPU);
    t = t.contiguous();
    size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes) std::memcpy(ab.Data(), t.data_ptr(), bytes);
    return ab;
  });
}

// meta(handle) -> [dtype, shape, device, requiresGrad]: one crossing for all of it.
Napi::Value Meta(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "meta");
    Napi::Env env = info.Env();
    Napi::Array shape = Napi::Array::New(env, t.dim());
    for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, Napi::Number::New(env, static_cast<double>(static_cast<int>(t.scalar_type()))));
    out.Set(1u, shape);
    out.Set(2u, Napi::String::New(env, t.device().str()));
    out.Set(3u, Napi::Boolean::New(env, t.requires_grad()));
    return out;
  });
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "shape");
    Napi::Env env = info.Env();
    Napi::Array shape = Napi::Array::New(env, t.dim());
    for (int64_t i = 0; i < t.dim(); i++) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(t.size(i))));
    return shape;
  });
}

Napi::Value DType(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(static_cast<int>(getTensor(info[0], "dtype").scalar_type())));
  });
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(getTensor(info[0], "numel").numel()));
  });
}

// item(handle) -> number: the value of a one-element tensor.
Napi::Value Item(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "item");
    if (t.numel() != 1) throw ArgumentError("item: the tensor has " + std::to_string(t.numel()) + " elements, expected 1");
    at::Scalar s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(s.toLong()));
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

}  // namespace

void exportTensorIo(Napi::Env env, Napi::Object& exports) {
  exports.Set("fromBuffer", Napi::Function::New(env, FromBuffer));
  exports.Set("toBuffer", Napi::Function::New(env, ToBuffer));
  exports.Set("meta", Napi::Function::New(env, Meta));
  exports.Set("shape", Napi::Function::New(env, Shape));
  exports.Set("dtype", Napi::Function::New(env, DType));
  exports.Set("numel", Napi::Function::New(env, Numel));
  exports.Set("item", Napi::Function::New(env, Item));
}

}  // namespace six
