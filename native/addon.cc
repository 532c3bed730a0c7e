// Entry point of the sixstep native addon. src/tensor/native.ts declares
// exactly what this exports.
#include "common.h"

namespace six {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  initEnvState(env);
  exportSlots(env, exports);
  exportOps(env, exports);
  exportTensorIo(env, exports);
  exportAutograd(env, exports);
  exportRuntime(env, exports);
  exportOptim(env, exports);
  exportDistributed(env, exports);
  exports.Set("setErrorClasses", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return guarded(info, [&]() -> Napi::Value {
      if (info.Length() > 0 && info[0].IsObject()) setErrorClasses(info[0].As<Napi::Object>());
      return info.Env().Undefined();
    });
  }));
  return exports;
}

}  // namespace six

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return six::Init(env, exports); }

NODE_API_MODULE(sixstep, InitAddon)
