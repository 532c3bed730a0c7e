// The error boundary: every C++ exception becomes a typed JavaScript error
// carrying libtorch's message (without its C++ backtrace), the way tch-rs
// turns exceptions into error values.
#include "common.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>

namespace six {
namespace {

Napi::FunctionReference* classRef(Napi::Env env, ErrorKind kind) {
  EnvState* st = env.GetInstanceData<EnvState>();
  return st ? &st->errorClasses[static_cast<int>(kind)] : nullptr;
}

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// libtorch reports most failures as plain c10::Error; the message says which kind.
// Some libtorch paths throw other std::exception types with the same
// messages, so the message decides when the type does not.
ErrorKind classify(const std::exception* e, const std::string& msg) {
  if (dynamic_cast<const c10::IndexError*>(e)) return ErrorKind::Index;
  if (dynamic_cast<const c10::NotImplementedError*>(e)) return ErrorKind::NotImplemented;
  if (dynamic_cast<const c10::OutOfMemoryError*>(e)) return ErrorKind::OutOfMemory;
  if (contains(msg, "can't allocate memory") || contains(msg, "out of memory")) return ErrorKind::OutOfMemory;
  if (contains(msg, "out of range")) return ErrorKind::Index;
  if (contains(msg, "same device") || contains(msg, "Expected all tensors to be on") || contains(msg, "CUDA") || contains(msg, "device type"))
    return ErrorKind::Device;
  if (contains(msg, "scalar type") || contains(msg, "dtype") || contains(msg, "Scalar type") || contains(msg, "result type") ||
      contains(msg, "can't be cast") || contains(msg, "not implemented for '"))
    return ErrorKind::DType;
  if (contains(msg, "size") || contains(msg, "shape") || contains(msg, "dimension") || contains(msg, "must match") ||
      contains(msg, "invalid for input of size") || contains(msg, "Dimension out of range"))
    return ErrorKind::Shape;
  if (dynamic_cast<const c10::TypeError*>(e)) return ErrorKind::DType;
  if (dynamic_cast<const c10::ValueError*>(e)) return ErrorKind::Argument;
  return ErrorKind::Torch;
}

}  // namespace

void setErrorClasses(const Napi::Object& classes) {
  Napi::Env env = classes.Env();
  const char* names[] = {"TorchError", "ShapeError", "DTypeError", "DeviceError", "IndexError", "ArgumentError", "DisposedTensorError", "NotImplementedError", "OutOfMemoryError", "DistributedError"};
  for (int i = 0; i < 10; i++) {
    Napi::Value v = classes.Get(names[i]);
    Napi::FunctionReference* ref = classRef(env, static_cast<ErrorKind>(i));
    if (ref && v.IsFunction()) *ref = Napi::Persistent(v.As<Napi::Function>());
  }
}

void throwJs(Napi::Env env, ErrorKind kind, const std::string& message) {
  Napi::FunctionReference* ref = classRef(env, kind);
  if (ref && !ref->IsEmpty()) {
    Napi::Object err = ref->New({Napi::String::New(env, message)});
    throw Napi::Error(env, err);
  }
  throw Napi::Error::New(env, message);
}

namespace {

// Makes the environment's state current and collects the handles the call
// makes; if the call fails they are released, so nothing leaks half-way.
struct CallScope {
  explicit CallScope(Napi::Env env) : scope(env), state(envState()) {
    outer = state.pending;
    state.pending = &made;
  }
  ~CallScope() {
    state.pending = outer;
    if (failed)
      for (double h : made) releaseTensor(h);
  }
  EnvScope scope;
  EnvState& state;
  std::vector<double>* outer;
  std::vector<double> made;
  bool failed = true;
};

}  // namespace

Napi::Value guarded(const Napi::CallbackInfo& info, const std::function<Napi::Value()>& body) {
  Napi::Env env = info.Env();
  ErrorKind kind;
  std::string message;
  try {
    CallScope call(env);
    Napi::Value result = body();
    call.failed = false;
    return result;
  } catch (const Napi::Error&) {
    throw;
  } catch (const TypedError& e) {
    message = e.what();
    kind = e.kind;
  } catch (const c10::Error& e) {
    message = e.what_without_backtrace();
    kind = classify(&e, message);
  } catch (const ArgumentError& e) {
    message = e.what();
    kind = ErrorKind::Argument;
  } catch (const DisposedError& e) {
    message = e.what();
    kind = ErrorKind::Disposed;
  } catch (const DistributedFailure& e) {
    message = e.what();
    kind = ErrorKind::Distributed;
  } catch (const std::bad_alloc&) {
    message = "out of memory";
    kind = ErrorKind::OutOfMemory;
  } catch (const std::exception& e) {
    message = e.what();
    // Drop a C++ backtrace if one was appended.
    size_t bt = message.find("\nException raised from");
    if (bt != std::string::npos) message.resize(bt);
    kind = classify(&e, message);
  } catch (...) {
    message = "unknown native error";
    kind = ErrorKind::Torch;
  }
  throwJs(env, kind, message);
}

// ---- Argument helpers ------------------------------------------------------

std::string numberText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::ostringstream o;
  o.precision(17);
  o << d;
  return o.str();
}

int64_t toInt64(double d, const std::string& what) {
  // [-2^63, 2^63): every double in this range converts exactly.
  if (!std::isfinite(d) || d != std::floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
    throw ArgumentError(what + ": expected an integer, got " + numberText(d));
  }
  return static_cast<int64_t>(d);
}

double numberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) throw ArgumentError(std::string("expected a number for '") + name + "'");
  return info[i].As<Napi::Number>().DoubleValue();
}

double finiteArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = numberArg(info, i, name);
  if (!std::isfinite(d)) throw ArgumentError(std::string("'") + name + "' must be a finite number, got " + numberText(d));
  return d;
}

int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return toInt64(numberArg(info, i, name), std::string("'") + name + "'");
}

bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean()) throw ArgumentError(std::string("expected a boolean for '") + name + "'");
  return info[i].As<Napi::Boolean>().Value();
}

std::vector<at::Tensor> tensorListArg(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) throw ArgumentError(std::string("expected an array of tensors for '") + name + "'");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(getTensor(a.Get(i), name));
  return out;
}

std::vector<int64_t> intListArg(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) throw ArgumentError(std::string("expected an array of integers for '") + name + "'");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw ArgumentError(std::string("expected an array of integers for '") + name + "'");
    out.push_back(toInt64(e.As<Napi::Number>().DoubleValue(), std::string("'") + name + "'[" + std::to_string(i) + "]"));
  }
  return out;
}

}  // namespace six
