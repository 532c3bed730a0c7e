// Shared declarations of the sixstep addon: the tensor slot table, the error
// boundary and the argument helpers every translation unit uses.
#pragma once

#include <napi.h>
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace six {

// ---- Tensor slots ---------------------------------------------------------
// JavaScript never holds an object per tensor: it holds an integer handle into
// this table (index in the low 22 bits, a generation counter above them so a
// stale handle to a reused slot is detected instead of silently aliasing).
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
