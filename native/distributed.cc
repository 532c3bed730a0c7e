// Data parallelism on PyTorch's own c10d: a TCPStore for the rendezvous and a
// Gloo process group for the collectives (the engine under torch.distributed).
// One process group per Node environment (the main thread or a worker). The differences between libtorch 1.13 and
// 2.x (ProcessGroup → Backend, createDevice* gaining lazyInit) stay in here.
//
// Built only where Gloo's headers exist (Debian: libgloo-dev); elsewhere every
// call says what to install.
#include "common.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/variable.h>

#include <chrono>
#include <map>
#include <memory>
#include <utility>

#if defined(SIXSTEP_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace six {
namespace {

#if defined(SIXSTEP_GLOO)

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0;
  int worldSize = 1;
};

struct GroupSlot {
  std::unique_ptr<Group> group;
};

// Per environment: a worker_thread's group is its own, and ends with it.
std::unique_ptr<Group>& group() {
  EnvState& st = envState();
  return st.module<GroupSlot>(st.dist).group;
}

Group& requireGroup() {
  auto& g = group();
  if (!g) throw ArgumentError("distributed: no process group (call init first)");
  return *g;
}

// libtorch ≥ 2.x (some minors) added a lazyInit flag; pick whichever exists.
template <typename PG>
auto deviceForHostname(const std::string& host, int) -> decltype(PG::createDeviceForHostname(host, false)) {
  return PG::createDeviceForHostname(host, false);
}
template <typename PG>
auto deviceForHostname(const std::string& host, long) -> decltype(PG::createDeviceForHostname(host)) {
  return PG::createDeviceForHostname(host);
}
template <typename PG>
auto deviceForInterface(const std::string& iface, int) -> decltype(PG::createDeviceForInterface(iface, false)) {
  return PG::createDeviceForInterface(iface, false);
}
template <typename PG>
auto deviceForInterface(const std::string& iface, long) -> decltype(PG::createDeviceForInterface(iface)) {
  return PG::createDeviceForInterface(iface);
}

// c10d's failures (a peer that died, a timeout) arrive as c10::Error or
// std::runtime_error with Gloo's text; they all become DistributedError.
template <typename F>
auto collective(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const ArgumentError&) {
    throw;
  } catch (const c10::Error& e) {
    throw DistributedFailure(std::string(what) + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    std::string m = e.what();
    size_t bt = m.find("\nException raised from");
    if (bt != std::string::npos) m.resize(bt);
    throw DistributedFailure(std::string(what) + ": " + m);
  }
}

void waitAll(std::vector<c10::intrusive_ptr<c10d::Work>>& works) {
  for (auto& w : works) w->wait();
}

// Tensors grouped by dtype and device, each group flattened into one buffer:
// one collective per bucket instead of one per tensor.
struct Bucket {
  std::vector<at::Tensor> tensors;
  at::Tensor flat;
  bool inPlace = false;
};

std::vector<Bucket> bucketize(const std::vector<at::Tensor>& ts, int64_t capBytes) {
  std::map<std::pair<int, std::string>, std::vector<Bucket>> byKind;
  std::vector<std::pair<int, std::string>> order;
  for (const auto& t : ts) {
    auto key = std::make_pair(static_cast<int>(t.scalar_type()), t.device().str());
    auto& list = byKind[key];
    if (list.empty()) order.push_back(key);
    int64_t bytes = 0;
    if (!list.empty())
      for (const auto& u : list.back().tensors) bytes += u.numel() * u.element_size();
    if (list.empty() || (capBytes > 0 && bytes + t.numel() * t.element_size() > capBytes && !list.back().tensors.empty())) list.emplace_back();
    list.back().tensors.push_back(t);
  }
  std::vector<Bucket> out;
  for (const auto& key : order)
    for (auto& b : byKind[key]) {
      // One contiguous tensor reduces in place: no copy in, no copy out.
      if (b.tensors.size() == 1 && b.tensors[0].is_contiguous()) {
        b.flat = b.tensors[0].view({-1});
        b.inPlace = true;
        out.push_back(std::move(b));
        continue;
      }
      std::vector<at::Tensor> flats;
      flats.reserve(b.tensors.size());
      for (const auto& t : b.tensors) flats.push_back(t.reshape({-1}));
      b.flat = at::cat(flats);
      out.push_back(std::move(b));
    }
  return out;
}

void unbucketize(std::vector<Bucket>& buckets) {
  for (auto& b : buckets) {
    if (b.inPlace) continue;
    int64_t off = 0;
    for (auto& t : b.tensors) {
      int64_t n = t.numel();
      t.copy_(b.flat.narrow(0, off, n).view_as(t));
      off += n;
    }
  }
}

// Launches one collective per bucket (Gloo runs them on its own threads), then waits for all.
template <typename Launch>
void perBucket(std::vector<Bucket>& buckets, Launch&& launch, std::vector<c10::intrusive_ptr<c10d::Work>> works = {}) {
  for (auto& b : buckets) {
    std::vector<at::Tensor> one{b.flat};
    works.push_back(launch(one));
  }
  waitAll(works);
}

c10d::ReduceOp reduceOp(const std::string& op) {
  if (op == "sum") return c10d::ReduceOp::SUM;
  if (op == "max") return c10d::ReduceOp::MAX;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  throw ArgumentError("distributed: reduce op must be 'sum', 'max', 'min' or 'product', not '" + op + "'");
}

std::string stringOpt(const Napi::Object& o, const char* key, const std::string& dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsString()) throw ArgumentError(std::string("distributed init: '") + key + "' must be a string");
  return v.As<Napi::String>().Utf8Value();
}

int64_t intOpt(const Napi::Object& o, const char* key, int64_t dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) throw ArgumentError(std::string("distributed init: '") + key + "' must be a number");
  return toInt64(v.As<Napi::Number>().DoubleValue(), std::string("distributed init: '") + key + "'");
}

// init({ host, port, rank, worldSize, timeoutMs, device: 'loopback'|'hostname'|'interface', deviceName })
Napi::Value Init(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) throw ArgumentError("distributed init: expected an options object");
    if (group()) throw ArgumentError("distributed init: a process group already exists in this process (destroy it first)");
    Napi::Object o = info[0].As<Napi::Object>();
    std::string host = stringOpt(o, "host", "127.0.0.1");
    int64_t port = intOpt(o, "port", 29500);
    int64_t rank = intOpt(o, "rank", 0);
    int64_t world = intOpt(o, "worldSize", 1);
    int64_t timeoutMs = intOpt(o, "timeoutMs", 60000);
    std::string device = stringOpt(o, "device", "loopback");
    std::string deviceName = stringOpt(o, "deviceName", "");
    if (port < 1 || port > 65535) throw ArgumentError("distributed init: port must be 1–65535");
    if (world < 1 || world > 65536) throw ArgumentError("distributed init: worldSize must be in 1 … 65536, got " + std::to_string(world));
    if (rank < 0 || rank >= world) throw ArgumentError("distributed init: rank must be in 0 … worldSize−1");
    if (timeoutMs < 1 || timeoutMs > 2147483647) throw ArgumentError("distributed init: timeoutMs must be in 1 … 2147483647, got " + std::to_string(timeoutMs));
    auto g = std::make_unique<Group>();
    g->rank = static_cast<int>(rank);
    g->worldSize = static_cast<int>(world);
    collective("rendezvous", [&] {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(port);
      so.isServer = rank == 0;
      so.numWorkers = static_cast<std::size_t>(world);
      so.waitWorkers = true;
      so.timeout = std::chrono::milliseconds(timeoutMs);
      g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
      auto po = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(timeoutMs));
      if (device == "loopback") po->devices.push_back(deviceForHostname<c10d::ProcessGroupGloo>("127.0.0.1", 0));
      else if (device == "hostname") po->devices.push_back(deviceForHostname<c10d::ProcessGroupGloo>(deviceName, 0));
      else if (device == "interface") po->devices.push_back(deviceForInterface<c10d::ProcessGroupGloo>(deviceName, 0));
      else if (device == "default") po->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      else throw ArgumentError("distributed init: device must be 'loopback', 'hostname', 'interface' or 'default'");
      po->threads = 2;
      g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, static_cast<int>(rank), static_cast<int>(world), po);
      return 0;
    });
    group() = std::move(g);
    return info.Env().Undefined();
  });
}

Napi::Value Destroy(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    group().reset();
    return info.Env().Undefined();
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto& g = group();
    if (!g) return env.Null();
    Napi::Object o = Napi::Object::New(env);
    o.Set("rank", g->rank);
    o.Set("worldSize", g->worldSize);
    o.Set("backend", "gloo");
    return o;
  });
}

// allreduce(handles, op, bucketCapBytes): in place, bucketed.
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    std::vector<at::Tensor> ts = tensorListArg(info[0], "tensors");
    std::string op = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "sum";
    int64_t cap = info.Length() > 2 && info[2].IsNumber() ? intArg(info, 2, "bucketCapBytes") : 0;
    auto rop = reduceOp(op);
    at::NoGradGuard noGrad;
    collective("allreduce", [&] {
      auto buckets = bucketize(ts, cap);
      c10d::AllreduceOptions ao;
      ao.reduceOp = rop;
      perBucket(buckets, [&](std::vector<at::Tensor>& one) { return g.pg->allreduce(one, ao); });
      unbucketize(buckets);
      return 0;
    });
    return info.Env().Undefined();
  });
}

// allreduceGrads(params, weight, extras, bucketCapBytes) → [...Σ extras, Σ weight].
// Every gradient is multiplied by this rank's weight (its rows in the global
// batch), summed over ranks and divided by the summed weight: the gradient of
// the mean loss over the whole global batch, identical on every rank. A
// parameter without a gradient contributes zeros, so all ranks send the same
// layout. `extras` (loss sums, a stop flag …) travel in the same round.
Napi::Value AllreduceGrads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    std::vector<at::Tensor> params = tensorListArg(info[0], "params");
    double weight = finiteArg(info, 1, "weight");
    if (weight < 0) throw ArgumentError("allreduceGrads: 'weight' must be >= 0, got " + numberText(weight));
    std::vector<double> extras;
    if (info.Length() > 2 && info[2].IsArray()) {
      Napi::Array a = info[2].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); i++) {
        Napi::Value v = a.Get(i);
        if (!v.IsNumber()) throw ArgumentError("allreduceGrads: extras must be numbers");
        extras.push_back(v.As<Napi::Number>().DoubleValue());
      }
    }
    extras.push_back(weight);
    int64_t cap = info.Length() > 3 && info[3].IsNumber() ? intArg(info, 3, "bucketCapBytes") : 0;
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> grads;
    grads.reserve(params.size());
    for (auto& p : params) {
      at::Tensor& gr = p.mutable_grad();
      if (!gr.defined()) gr = at::zeros_like(p);
      grads.push_back(gr);
    }
    at::Tensor extra = at::tensor(extras, at::TensorOptions().dtype(at::kDouble));
    collective("allreduce of gradients", [&] {
      auto buckets = bucketize(grads, cap);
      if (weight != 1.0)
        for (auto& b : buckets) b.flat.mul_(weight);
      std::vector<at::Tensor> e{extra};
      std::vector<c10::intrusive_ptr<c10d::Work>> first{g.pg->allreduce(e)};
      perBucket(buckets, [&](std::vector<at::Tensor>& one) { return g.pg->allreduce(one); }, std::move(first));
      double total = extra.data_ptr<double>()[extras.size() - 1];
      if (total > 0)
        for (auto& b : buckets) b.flat.div_(total);
      unbucketize(buckets);
      return 0;
    });
    Napi::Array out = Napi::Array::New(info.Env(), extras.size());
    const double* d = extra.data_ptr<double>();
    for (size_t i = 0; i < extras.size(); i++) out.Set(static_cast<uint32_t>(i), d[i]);
    return out;
  });
}

// broadcast(handles, root): in place, bucketed.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    std::vector<at::Tensor> ts = tensorListArg(info[0], "tensors");
    int64_t root = info.Length() > 1 ? intArg(info, 1, "root") : 0;
    if (root < 0 || root >= g.worldSize) throw ArgumentError("broadcast: root must be a rank");
    at::NoGradGuard noGrad;
    collective("broadcast", [&] {
      auto buckets = bucketize(ts, 0);
      c10d::BroadcastOptions bo;
      bo.rootRank = static_cast<int>(root);
      perBucket(buckets, [&](std::vector<at::Tensor>& one) { return g.pg->broadcast(one, bo); });
      unbucketize(buckets);
      return 0;
    });
    return info.Env().Undefined();
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    collective("barrier", [&] {
      g.pg->barrier()->wait();
      return 0;
    });
    return info.Env().Undefined();
  });
}

// The rendezvous store, for small values rank 0 decides (a run id, a path).
Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) throw ArgumentError("storeSet: expected (key, value) strings");
    std::string k = info[0].As<Napi::String>().Utf8Value();
    std::string v = info[1].As<Napi::String>().Utf8Value();
    collective("store set", [&] {
      g.store->set(k, std::vector<uint8_t>(v.begin(), v.end()));
      return 0;
    });
    return info.Env().Undefined();
  });
}

Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Group& g = requireGroup();
    if (info.Length() < 1 || !info[0].IsString()) throw ArgumentError("storeGet: expected a key");
    std::string k = info[0].As<Napi::String>().Utf8Value();
    std::vector<uint8_t> v = collective("store get", [&] { return g.store->get(k); });
    return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
  });
}

#else  // !SIXSTEP_GLOO

Napi::Value Unavailable(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    throw DistributedFailure(
        "distributed training needs Gloo, and this addon was built without its headers: "
        "install them (Debian/Ubuntu: apt-get install libgloo-dev) and rebuild with `npm run build:native`");
  });
}

#endif

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
#if defined(SIXSTEP_GLOO)
  o.Set("gloo", true);
#else
  o.Set("gloo", false);
#endif
  o.Set("nccl", false);
  return o;
}

}  // namespace

void exportDistributed(Napi::Env env, Napi::Object& exports) {
  exports.Set("distCapabilities", Napi::Function::New(env, Capabilities));
#if defined(SIXSTEP_GLOO)
  exports.Set("distInit", Napi::Function::New(env, Init));
  exports.Set("distDestroy", Napi::Function::New(env, Destroy));
  exports.Set("distInfo", Napi::Function::New(env, Info));
  exports.Set("distAllreduce", Napi::Function::New(env, Allreduce));
  exports.Set("distAllreduceGrads", Napi::Function::New(env, AllreduceGrads));
  exports.Set("distBroadcast", Napi::Function::New(env, Broadcast));
  exports.Set("distBarrier", Napi::Function::New(env, Barrier));
  exports.Set("distStoreSet", Napi::Function::New(env, StoreSet));
  exports.Set("distStoreGet", Napi::Function::New(env, StoreGet));
#else
  for (const char* name : {"distInit", "distAllreduce", "distAllreduceGrads", "distBroadcast", "distBarrier", "distStoreSet", "distStoreGet"})
    exports.Set(name, Napi::Function::New(env, Unavailable));
  exports.Set("distDestroy", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return i.Env().Undefined(); }));
  exports.Set("distInfo", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return i.Env().Null(); }));
#endif
}

}  // namespace six
