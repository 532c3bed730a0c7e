// Shared declarations of the sixstep addon: the tensor slot table, the error
// boundary and the argument helpers every translation unit uses.
#pragma once

#include <napi.h>
#include <ATen/core/Tensor.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace six {

// ---- Per-environment state ------------------------------------------------
// Every Node environment that loads the addon (the main thread, each
// worker_thread) gets its own tensor table, operators, optimizers, process
// group and error classes, owned by the environment's instance data and freed
// with it. Nothing here outlives the environment that made it, and no
// environment can reach another's tensors.
struct SlotTable {
  std::deque<at::Tensor> tensors;  // a deque: growing never moves a slot, so references stay valid
  std::vector<uint32_t> generations;
  std::vector<uint32_t> freeList;
  size_t live = 0;
};

struct EnvState {
  uint32_t tag = 0;  // in every handle this environment makes, so a foreign handle is recognised
  SlotTable slots;
  // Handles made by the call in progress: released if the call throws, so a
  // result that fails half-way leaks nothing.
  std::vector<double>* pending = nullptr;
  Napi::FunctionReference errorClasses[10];
  // Module state, created on first use by the module that owns it.
  std::shared_ptr<void> ops, optim, dist;
  template <typename T>
  T& module(std::shared_ptr<void>& slot) {
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }
  ~EnvState();
};

// Creates this environment's state (once, at module init).
void initEnvState(Napi::Env env);
// The state of the environment whose call is running (set by guarded()).
EnvState& envState();
// Makes `env`'s state current for the lifetime of the scope.
struct EnvScope {
  explicit EnvScope(Napi::Env env);
  ~EnvScope();
  EnvState* previous;
};

// ---- Tensor slots ---------------------------------------------------------
// JavaScript never holds an object per tensor: it holds an integer handle into
// this table (index in the low 22 bits, the environment's tag in the next 8,
// a generation counter above them so a stale handle to a reused slot is
// detected instead of silently aliasing).
double putTensor(at::Tensor t);
const at::Tensor& getTensor(const Napi::Value& v, const char* what);
const at::Tensor& getTensorHandle(double handle, const char* what);
void releaseTensor(double handle);
size_t liveTensors();

// ---- Errors ---------------------------------------------------------------
// Kinds map to JavaScript error classes registered by the TypeScript layer
// (src/tensor/errors.ts). Everything thrown across the boundary is one of them.
enum class ErrorKind { Torch, Shape, DType, Device, Index, Argument, Disposed, NotImplemented, OutOfMemory, Distributed };

struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failure of a known kind raised by our own checks (a gradient of the wrong
// shape is a ShapeError, of the wrong dtype a DTypeError ...).
struct TypedError : std::runtime_error {
  TypedError(ErrorKind k, const std::string& m) : std::runtime_error(m), kind(k) {}
  ErrorKind kind;
};
struct DisposedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A collective or rendezvous that failed: a peer died, never arrived, timed out.
struct DistributedFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void setErrorClasses(const Napi::Object& classes);
[[noreturn]] void throwJs(Napi::Env env, ErrorKind kind, const std::string& message);

// Runs `body` and turns every C++ exception into a typed JavaScript error.
// No input from JavaScript may crash the process, so nothing escapes.
Napi::Value guarded(const Napi::CallbackInfo& info, const std::function<Napi::Value()>& body);

// ---- Argument helpers -----------------------------------------------------
double numberArg(const Napi::CallbackInfo& info, size_t i, const char* name);
int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* name);
// The one number-to-integer conversion: refuses NaN, infinities, fractions and
// anything outside int64 (a plain static_cast of those is undefined behaviour).
int64_t toInt64(double d, const std::string& what);
// A finite number (NaN and infinities refused).
std::string numberText(double d);
double finiteArg(const Napi::CallbackInfo& info, size_t i, const char* name);
bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::vector<at::Tensor> tensorListArg(const Napi::Value& v, const char* name);
std::vector<int64_t> intListArg(const Napi::Value& v, const char* name);

// ---- Registration ---------------------------------------------------------
using Exporter = void (*)(Napi::Env, Napi::Object&);
void exportSlots(Napi::Env env, Napi::Object& exports);
void exportOps(Napi::Env env, Napi::Object& exports);
void exportTensorIo(Napi::Env env, Napi::Object& exports);
void exportAutograd(Napi::Env env, Napi::Object& exports);
void exportRuntime(Napi::Env env, Napi::Object& exports);
void exportOptim(Napi::Env env, Napi::Object& exports);
void exportDistributed(Napi::Env env, Napi::Object& exports);

}  // namespace six
