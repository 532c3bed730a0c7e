// The tensor table: at::Tensor values live here, JavaScript holds integer
// handles. Releasing a slot drops only our reference; libtorch frees the
// storage when the last reference (autograd graph included) goes. One table
// per environment (see env.cc).
#include "common.h"

namespace six {

bool tagIsLive(uint32_t tag);

namespace {

// Handle layout (all below 2^53, so a double holds it exactly):
// bits 0-21 slot index, 22-29 environment tag, 30-52 generation (>= 1).
constexpr uint64_t kIndexBits = 22;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr uint64_t kTagBits = 8;
constexpr uint64_t kTagMask = (uint64_t(1) << kTagBits) - 1;
constexpr uint64_t kGenShift = kIndexBits + kTagBits;
constexpr uint64_t kMaxGeneration = uint64_t(1) << (53 - kGenShift);
constexpr double kMaxHandle = 9007199254740992.0;  // 2^53

enum class Decoded { Ok, NotHandle, Foreign };

Decoded decode(const EnvState& st, double handle, uint32_t& index) {
  if (!(handle >= 0) || handle >= kMaxHandle || handle != static_cast<double>(static_cast<uint64_t>(handle))) return Decoded::NotHandle;
  uint64_t h = static_cast<uint64_t>(handle);
  index = static_cast<uint32_t>(h & kIndexMask);
  uint32_t tag = static_cast<uint32_t>((h >> kIndexBits) & kTagMask);
  uint64_t gen = h >> kGenShift;
  if (tag != st.tag) return tag != 0 && tagIsLive(tag) ? Decoded::Foreign : Decoded::NotHandle;
  const SlotTable& tb = st.slots;
  return index < tb.tensors.size() && tb.generations[index] == gen && tb.tensors[index].defined() ? Decoded::Ok : Decoded::NotHandle;
}

}  // namespace

double putTensor(at::Tensor t) {
  EnvState& st = envState();
  SlotTable& tb = st.slots;
  uint32_t index;
  if (!tb.freeList.empty()) {
    index = tb.freeList.back();
    tb.freeList.pop_back();
  } else {
    if (tb.tensors.size() > kIndexMask) throw std::runtime_error("more than 4 million live tensors: dispose tensors or use tidy()");
    index = static_cast<uint32_t>(tb.tensors.size());
    tb.tensors.emplace_back();
    tb.generations.push_back(1);
  }
  tb.tensors[index] = std::move(t);
  tb.live++;
  double handle = static_cast<double>((uint64_t(tb.generations[index]) << kGenShift) | (uint64_t(st.tag) << kIndexBits) | index);
  if (st.pending) st.pending->push_back(handle);
  return handle;
}

const at::Tensor& getTensorHandle(double handle, const char* what) {
  EnvState& st = envState();
  uint32_t index;
  switch (decode(st, handle, index)) {
    case Decoded::Ok:
      return st.slots.tensors[index];
    case Decoded::Foreign:
      throw ArgumentError(std::string(what) + ": the tensor belongs to another thread (a worker_thread or the main thread); "
                          "tensors cannot cross threads: send its data (toBuffer) and make a tensor there");
    default:
      throw DisposedError(std::string(what) + ": the tensor was disposed (or is not a tensor handle); keep() it or return it from tidy() to use it later");
  }
}

const at::Tensor& getTensor(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw ArgumentError(std::string(what) + ": expected a tensor");
  return getTensorHandle(v.As<Napi::Number>().DoubleValue(), what);
}

// Another environment's handle, or one already released, is left alone:
// disposing twice is harmless and a thread can never free another's tensors.
void releaseTensor(double handle) {
  EnvState& st = envState();
  uint32_t index;
  if (decode(st, handle, index) != Decoded::Ok) return;
  SlotTable& tb = st.slots;
  tb.tensors[index] = at::Tensor();
  uint32_t next = tb.generations[index] + 1;
  tb.generations[index] = next >= kMaxGeneration ? 1 : next;
  tb.freeList.push_back(index);
  tb.live--;
}

size_t liveTensors() { return envState().slots.live; }

void exportSlots(Napi::Env env, Napi::Object& exports) {
  exports.Set("dispose", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return guarded(info, [&]() -> Napi::Value {
      for (size_t i = 0; i < info.Length(); i++) {
        if (info[i].IsNumber()) releaseTensor(info[i].As<Napi::Number>().DoubleValue());
      }
      return info.Env().Undefined();
    });
  }));
  exports.Set("liveTensors", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return guarded(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), static_cast<double>(liveTensors())); });
  }));
  exports.Set("isLive", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return guarded(info, [&]() -> Napi::Value {
      uint32_t index;
      bool ok = info.Length() > 0 && info[0].IsNumber() && decode(envState(), info[0].As<Napi::Number>().DoubleValue(), index) == Decoded::Ok;
      return Napi::Boolean::New(info.Env(), ok);
    });
  }));
}

}  // namespace six
