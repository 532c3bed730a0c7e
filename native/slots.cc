// The tensor table: at::Tensor values live here, JavaScript holds integer
// handles. Releasing a slot drops only our reference; libtorch frees the
// storage when the last reference (autograd graph included) goes.
#include "common.h"

namespace six {
namespace {

constexpr uint64_t kIndexBits = 22;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr uint64_t kMaxGeneration = uint64_t(1) << 30;  // keeps handles below 2^52

struct Table {
  std::vector<at::Tensor> tensors;
  std::vector<uint32_t> generations;
  std::vector<uint32_t> freeList;
  size_t live = 0;
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

double putTensor(at::Tensor t) {
  Table& tb = table();
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
  return static_cast<double>((uint64_t(tb.generations[index]) << kIndexBits) | index);
}

static bool decode(double handle, uint32_t& index) {
  if (!(handle >= 0) || handle > 4503599627370496.0 || handle != static_cast<double>(static_cast<uint64_t>(handle))) return false;
  uint64_t h = static_cast<uint64_t>(handle);
  index = static_cast<uint32_t>(h & kIndexMask);
  uint64_t gen = h >> kIndexBits;
  Table& tb = table();
  return index < tb.tensors.size() && tb.generations[index] == gen && tb.tensors[index].defined();
}

const at::Tensor& getTensorHandle(double handle, const char* what) {
  uint32_t index;
  if (!decode(handle, index)) {
    throw DisposedError(std::string(what) + ": the tensor was disposed (or is not a tensor handle); keep() it or return it from tidy() to use it later");
  }
  return table().tensors[index];
}

const at::Tensor& getTensor(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw ArgumentError(std::string(what) + ": expected a tensor");
  return getTensorHandle(v.As<Napi::Number>().DoubleValue(), what);
}

void releaseTensor(double handle) {
  uint32_t index;
  if (!decode(handle, index)) return;  // double dispose is harmless
  Table& tb = table();
  tb.tensors[index] = at::Tensor();
  uint32_t next = tb.generations[index] + 1;
  tb.generations[index] = next >= kMaxGeneration ? 1 : next;
  tb.freeList.push_back(index);
  tb.live--;
}

size_t liveTensors() { return table().live; }

void exportSlots(Napi::Env env, Napi::Object& exports) {
  exports.Set("dispose", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    for (size_t i = 0; i < info.Length(); i++) {
      if (info[i].IsNumber()) releaseTensor(info[i].As<Napi::Number>().DoubleValue());
    }
    return info.Env().Undefined();
  }));
  exports.Set("liveTensors", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(liveTensors()));
  }));
  exports.Set("isLive", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    uint32_t index;
    bool ok = info.Length() > 0 && info[0].IsNumber() && decode(info[0].As<Napi::Number>().DoubleValue(), index);
    return Napi::Boolean::New(info.Env(), ok);
  }));
}

}  // namespace six
