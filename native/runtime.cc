// Process-wide settings: seeds and random state, thread count, devices,
// the allocator tuning and the versions this addon was built with.
#include "common.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <cstdlib>
#include <mutex>

#ifndef SIXSTEP_TORCH_VERSION
#define SIXSTEP_TORCH_VERSION "unknown"
#endif

namespace six {
namespace {

bool cudaAvailable() {
  try {
    return at::hasCUDA() && at::detail::getCUDAHooks().getNumGPUs() > 0;
  } catch (...) {
    return false;
  }
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    double seed = numberArg(info, 0, "seed");
    if (!(seed >= 0) || seed > 9007199254740991.0 || seed != std::floor(seed)) {
      throw ArgumentError("manualSeed: seed must be a whole number in 0 … 2^53-1, got " + numberText(seed));
    }
    at::manual_seed(static_cast<uint64_t>(seed));
    return info.Env().Undefined();
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    int64_t n = intArg(info, 0, "threads");
    // More threads than this only oversubscribes the cores, and thousands make
    // OpenMP abort the process when the system refuses to create them.
    const int64_t most = std::max<int64_t>(256, 8 * static_cast<int64_t>(std::thread::hardware_concurrency()));
    if (n < 1 || n > most) throw ArgumentError("setNumThreads: threads must be in 1 … " + std::to_string(most) + ", got " + std::to_string(n));
    at::set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// The CPU generator's state as a uint8 tensor (for checkpoints and for the
// learning-rate finder, which must leave the random stream as it found it).
Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return Napi::Number::New(info.Env(), putTensor(gen.get_state()));
  });
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& state = getTensor(info[0], "setRngState");
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), cudaAvailable() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("torchVersion", SIXSTEP_TORCH_VERSION);
  o.Set("cudaCompiled", at::hasCUDA());
  o.Set("cudaAvailable", cudaAvailable());
  o.Set("threads", at::get_num_threads());
  o.Set("parallelInfo", at::get_parallel_info());
  return o;
}

// Large activations make glibc's allocator return memory to the kernel and
// fault it back every step; a high mmap and trim threshold avoids that (the
// same setting is applied to PyTorch when the benchmark compares the two).
// SIXSTEP_MALLOC=default keeps glibc's defaults.
void tuneAllocator() {
  const char* mode = std::getenv("SIXSTEP_MALLOC");
  if (mode && std::string(mode) == "default") return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

void exportRuntime(Napi::Env env, Napi::Object& exports) {
  tuneAllocator();
  exports.Set("manualSeed", Napi::Function::New(env, ManualSeed));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("getRngState", Napi::Function::New(env, GetRngState));
  exports.Set("setRngState", Napi::Function::New(env, SetRngState));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, CudaDeviceCount));
  exports.Set("info", Napi::Function::New(env, Info));
}

}  // namespace six
