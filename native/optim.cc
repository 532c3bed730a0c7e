// Optimizers and gradient clipping, run in C++ so one training step costs one
// crossing from JavaScript. The update rules follow PyTorch's single-tensor
// implementations (torch/optim/{sgd,adam,adamw}.py) step for step, so
// trajectories match PyTorch's; state lives in per-group hyperparameters
// that can be changed at every step (schedules, differential learning rates).
#include "common.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <limits>
#include <memory>

namespace six {
namespace {

enum class Kind { SGD, Adam, AdamW };

struct GroupOptions {
  double lr = 1e-3;
  double weightDecay = 0;
  double momentum = 0;
  double dampening = 0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  bool nesterov = false;
  bool amsgrad = false;
};

struct ParamState {
  double step = 0;
  at::Tensor momentumBuffer, expAvg, expAvgSq, maxExpAvgSq;
};

struct Group {
  GroupOptions o;
  std::vector<at::Tensor> params;
  std::vector<ParamState> state;
};

struct Optimizer {
  Kind kind;
  std::vector<Group> groups;
};

struct OptimizerTable {
  std::vector<std::unique_ptr<Optimizer>> list;
};

// Per environment: an optimizer id means nothing in another thread.
std::vector<std::unique_ptr<Optimizer>>& optimizers() {
  EnvState& st = envState();
  return st.module<OptimizerTable>(st.optim).list;
}

Optimizer& optimizerArg(const Napi::CallbackInfo& info) {
  int64_t id = intArg(info, 0, "optimizer");
  auto& t = optimizers();
  if (id < 0 || static_cast<size_t>(id) >= t.size() || !t[id]) throw DisposedError("the optimizer was disposed");
  return *t[id];
}

Group& groupArg(Optimizer& opt, const Napi::CallbackInfo& info, size_t i) {
  int64_t g = intArg(info, i, "group");
  if (g < 0 || static_cast<size_t>(g) >= opt.groups.size()) {
    throw ArgumentError("parameter group " + std::to_string(g) + " does not exist (the optimizer has " + std::to_string(opt.groups.size()) + ")");
  }
  return opt.groups[g];
}

// Reads a group's options over `g`, then checks all of them as PyTorch's
// constructors do (torch/optim/{sgd,adam}.py), plus NaN and infinities,
// which PyTorch lets through and which turn every parameter into NaN.
void readOptions(const Napi::Object& o, GroupOptions& g) {
  auto num = [&](const char* key, double& out) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return;
    if (!v.IsNumber()) throw ArgumentError(std::string("optimizer option '") + key + "' must be a number");
    out = v.As<Napi::Number>().DoubleValue();
  };
  auto flag = [&](const char* key, bool& out) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return;
    if (!v.IsBoolean()) throw ArgumentError(std::string("optimizer option '") + key + "' must be a boolean");
    out = v.As<Napi::Boolean>().Value();
  };
  num("lr", g.lr);
  num("weightDecay", g.weightDecay);
  num("momentum", g.momentum);
  num("dampening", g.dampening);
  num("eps", g.eps);
  flag("nesterov", g.nesterov);
  flag("amsgrad", g.amsgrad);
  Napi::Value betas = o.Get("betas");
  if (!betas.IsUndefined()) {
    if (!betas.IsArray() || betas.As<Napi::Array>().Length() != 2) throw ArgumentError("optimizer option 'betas' must be [beta1, beta2]");
    Napi::Array b = betas.As<Napi::Array>();
    if (!b.Get(0u).IsNumber() || !b.Get(1u).IsNumber()) throw ArgumentError("optimizer option 'betas' must hold numbers");
    g.beta1 = b.Get(0u).As<Napi::Number>().DoubleValue();
    g.beta2 = b.Get(1u).As<Napi::Number>().DoubleValue();
  }
  // NaN fails every comparison, so each check is written as "!(valid)".
  auto check = [](bool ok, const char* key, const char* expected, double found) {
    if (!ok) throw ArgumentError(std::string("optimizer option '") + key + "' must be " + expected + ", got " + numberText(found));
  };
  check(std::isfinite(g.lr) && g.lr >= 0, "lr", "a finite number >= 0", g.lr);
  check(std::isfinite(g.weightDecay) && g.weightDecay >= 0, "weightDecay", "a finite number >= 0", g.weightDecay);
  check(std::isfinite(g.momentum) && g.momentum >= 0, "momentum", "a finite number >= 0", g.momentum);
  check(std::isfinite(g.dampening), "dampening", "a finite number", g.dampening);
  check(std::isfinite(g.eps) && g.eps >= 0, "eps", "a finite number >= 0", g.eps);
  check(g.beta1 >= 0 && g.beta1 < 1, "betas[0]", "in [0, 1)", g.beta1);
  check(g.beta2 >= 0 && g.beta2 < 1, "betas[1]", "in [0, 1)", g.beta2);
  if (g.nesterov && !(g.momentum > 0 && g.dampening == 0)) {
    throw ArgumentError("optimizer option 'nesterov' requires momentum > 0 and dampening 0, got momentum " + numberText(g.momentum) +
                        " and dampening " + numberText(g.dampening));
  }
}

void sgdStep(Group& g) {
  const GroupOptions& o = g.o;
  for (size_t i = 0; i < g.params.size(); i++) {
    at::Tensor& p = g.params[i];
    const at::Tensor& grad = p.grad();
    if (!grad.defined()) continue;
    at::Tensor d = o.weightDecay != 0 ? grad.add(p, o.weightDecay) : grad;
    if (o.momentum != 0) {
      at::Tensor& buf = g.state[i].momentumBuffer;
      if (!buf.defined()) buf = d.clone().detach();
      else buf.mul_(o.momentum).add_(d, 1 - o.dampening);
      d = o.nesterov ? d.add(buf, o.momentum) : buf;
    }
    p.add_(d, -o.lr);
  }
}

void adamStep(Group& g, bool decoupled) {
  const GroupOptions& o = g.o;
  for (size_t i = 0; i < g.params.size(); i++) {
    at::Tensor& p = g.params[i];
    at::Tensor grad = p.grad();
    if (!grad.defined()) continue;
    ParamState& s = g.state[i];
    if (!s.expAvg.defined()) {
      s.expAvg = at::zeros_like(p, at::MemoryFormat::Preserve);
      s.expAvgSq = at::zeros_like(p, at::MemoryFormat::Preserve);
      if (o.amsgrad) s.maxExpAvgSq = at::zeros_like(p, at::MemoryFormat::Preserve);
    }
    s.step += 1;
    if (decoupled) p.mul_(1 - o.lr * o.weightDecay);
    else if (o.weightDecay != 0) grad = grad.add(p, o.weightDecay);
    s.expAvg.mul_(o.beta1).add_(grad, 1 - o.beta1);
    s.expAvgSq.mul_(o.beta2).addcmul_(grad, grad, 1 - o.beta2);
    const double biasCorrection1 = 1 - std::pow(o.beta1, s.step);
    const double biasCorrection2 = 1 - std::pow(o.beta2, s.step);
    const double stepSize = o.lr / biasCorrection1;
    const double biasCorrection2Sqrt = std::sqrt(biasCorrection2);
    at::Tensor denom;
    if (o.amsgrad) {
      if (!s.maxExpAvgSq.defined()) s.maxExpAvgSq = at::zeros_like(p, at::MemoryFormat::Preserve);
      at::maximum_out(s.maxExpAvgSq, s.maxExpAvgSq, s.expAvgSq);
      denom = (s.maxExpAvgSq.sqrt() / biasCorrection2Sqrt).add_(o.eps);
    } else {
      denom = (s.expAvgSq.sqrt() / biasCorrection2Sqrt).add_(o.eps);
    }
    p.addcdiv_(s.expAvg, denom, -stepSize);
  }
}

// optimCreate(kind: 'sgd' | 'adam' | 'adamw', groups: [{ params: handle[], ...options }]) -> id
Napi::Value Create(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) throw ArgumentError("optimCreate(kind, groups)");
    std::string kind = info[0].As<Napi::String>().Utf8Value();
    auto opt = std::make_unique<Optimizer>();
    if (kind == "sgd") opt->kind = Kind::SGD;
    else if (kind == "adam") opt->kind = Kind::Adam;
    else if (kind == "adamw") opt->kind = Kind::AdamW;
    else throw ArgumentError("unknown optimizer '" + kind + "' (expected sgd, adam or adamw)");
    Napi::Array groups = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < groups.Length(); i++) {
      Napi::Value gv = groups.Get(i);
      if (!gv.IsObject()) throw ArgumentError("each parameter group must be an object");
      Napi::Object go = gv.As<Napi::Object>();
      Group g;
      readOptions(go, g.o);
      g.params = tensorListArg(go.Get("params"), "params");
      for (auto& p : g.params) {
        if (!p.is_leaf()) throw ArgumentError("an optimizer can only update leaf tensors (parameters), not computed ones");
      }
      g.state.resize(g.params.size());
      opt->groups.push_back(std::move(g));
    }
    auto& t = optimizers();
    t.push_back(std::move(opt));
    return Napi::Number::New(info.Env(), static_cast<double>(t.size() - 1));
  });
}

Napi::Value Step(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    c10::AutoGradMode noGrad(false);
    for (Group& g : opt.groups) {
      if (opt.kind == Kind::SGD) sgdStep(g);
      else adamStep(g, opt.kind == Kind::AdamW);
    }
    return info.Env().Undefined();
  });
}

Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    for (Group& g : opt.groups)
      for (auto& p : g.params) p.mutable_grad().reset();
    return info.Env().Undefined();
  });
}

Napi::Value SetLr(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    Group& g = groupArg(opt, info, 1);
    double lr = numberArg(info, 2, "lr");
    if (!(lr >= 0) || !std::isfinite(lr)) throw ArgumentError("optimizer option 'lr' must be a finite number >= 0, got " + numberText(lr));
    g.o.lr = lr;
    return info.Env().Undefined();
  });
}

Napi::Value SetGroup(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    Group& g = groupArg(opt, info, 1);
    if (info.Length() < 3 || !info[2].IsObject()) throw ArgumentError("optimSetGroup(id, group, options)");
    GroupOptions next = g.o;
    readOptions(info[2].As<Napi::Object>(), next);
    g.o = next;
    return info.Env().Undefined();
  });
}

Napi::Value GetGroup(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    Group& g = groupArg(opt, info, 1);
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("lr", g.o.lr);
    o.Set("weightDecay", g.o.weightDecay);
    o.Set("momentum", g.o.momentum);
    o.Set("dampening", g.o.dampening);
    o.Set("nesterov", g.o.nesterov);
    Napi::Array betas = Napi::Array::New(env, 2);
    betas.Set(0u, g.o.beta1);
    betas.Set(1u, g.o.beta2);
    o.Set("betas", betas);
    o.Set("eps", g.o.eps);
    o.Set("amsgrad", g.o.amsgrad);
    o.Set("size", static_cast<double>(g.params.size()));
    return o;
  });
}

// optimGetState(id) -> per parameter, in group order: { step, momentum_buffer?, exp_avg?, exp_avg_sq?, max_exp_avg_sq? }
// The tensors are copies: changing them later never changes the optimizer.
Napi::Value GetState(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env);
    uint32_t k = 0;
    c10::AutoGradMode noGrad(false);
    for (Group& g : opt.groups) {
      for (ParamState& s : g.state) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("step", s.step);
        auto put = [&](const char* key, const at::Tensor& t) {
          if (t.defined()) o.Set(key, Napi::Number::New(env, putTensor(t.clone())));
        };
        put("momentum_buffer", s.momentumBuffer);
        put("exp_avg", s.expAvg);
        put("exp_avg_sq", s.expAvgSq);
        put("max_exp_avg_sq", s.maxExpAvgSq);
        out.Set(k++, o);
      }
    }
    return out;
  });
}

Napi::Value SetState(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Optimizer& opt = optimizerArg(info);
    if (info.Length() < 2 || !info[1].IsArray()) throw ArgumentError("optimSetState(id, state[])");
    Napi::Array in = info[1].As<Napi::Array>();
    size_t total = 0;
    for (Group& g : opt.groups) total += g.params.size();
    if (in.Length() != total) {
      throw ArgumentError("optimizer state has " + std::to_string(in.Length()) + " entries, the optimizer has " + std::to_string(total) + " parameters");
    }
    // Validate everything before changing anything.
    std::vector<ParamState> next(total);
    uint32_t k = 0;
    c10::AutoGradMode noGrad(false);
    for (Group& g : opt.groups) {
      for (size_t i = 0; i < g.params.size(); i++, k++) {
        Napi::Value v = in.Get(k);
        if (!v.IsObject()) throw ArgumentError("optimizer state entries must be objects");
        Napi::Object o = v.As<Napi::Object>();
        Napi::Value step = o.Get("step");
        next[k].step = step.IsNumber() ? step.As<Napi::Number>().DoubleValue() : 0;
        if (!(next[k].step >= 0) || !std::isfinite(next[k].step) || next[k].step != std::floor(next[k].step)) {
          throw ArgumentError("optimizer state 'step' of parameter " + std::to_string(k) + " must be a whole number >= 0, got " + numberText(next[k].step));
        }
        auto take = [&](const char* key, at::Tensor& dst) {
          Napi::Value t = o.Get(key);
          if (t.IsUndefined() || t.IsNull()) return;
          const at::Tensor& src = getTensor(t, key);
          if (!src.sizes().equals(g.params[i].sizes())) {
            throw ArgumentError(std::string("optimizer state '") + key + "' of parameter " + std::to_string(k) + " has shape " +
                                "[" + c10::Join(", ", src.sizes()) + "]" + ", the parameter has " + "[" + c10::Join(", ", g.params[i].sizes()) + "]");
          }
          if (src.is_complex() != g.params[i].is_complex() || (!at::isFloatingType(src.scalar_type()) && !src.is_complex())) {
            throw TypedError(ErrorKind::DType, std::string("optimizer state '") + key + "' of parameter " + std::to_string(k) + " has dtype " +
                                                   c10::toString(src.scalar_type()) + ", the parameter has " + c10::toString(g.params[i].scalar_type()));
          }
          dst = src.to(g.params[i].options()).clone();
        };
        take("momentum_buffer", next[k].momentumBuffer);
        take("exp_avg", next[k].expAvg);
        take("exp_avg_sq", next[k].expAvgSq);
        take("max_exp_avg_sq", next[k].maxExpAvgSq);
      }
    }
    k = 0;
    for (Group& g : opt.groups)
      for (size_t i = 0; i < g.params.size(); i++) g.state[i] = std::move(next[k++]);
    return info.Env().Undefined();
  });
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    int64_t id = intArg(info, 0, "optimizer");
    auto& t = optimizers();
    if (id >= 0 && static_cast<size_t>(id) < t.size()) t[id].reset();
    return info.Env().Undefined();
  });
}

std::vector<at::Tensor> gradsOf(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  return grads;
}

// clipGradNorm(params, maxNorm, normType) -> total norm before clipping (as torch.nn.utils.clip_grad_norm_)
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto grads = gradsOf(tensorListArg(info[0], "params"));
    double maxNorm = finiteArg(info, 1, "maxNorm");
    if (maxNorm < 0) throw ArgumentError("'maxNorm' must be >= 0, got " + numberText(maxNorm));
    double normType = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 2.0;
    if (!(normType > 0) || (std::isinf(normType) && normType < 0)) throw ArgumentError("'normType' must be > 0 or Infinity, got " + numberText(normType));
    if (grads.empty()) return Napi::Number::New(info.Env(), 0);
    c10::AutoGradMode noGrad(false);
    at::Tensor total;
    if (std::isinf(normType)) {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(g.detach().abs().max());
      total = norms.size() == 1 ? norms[0] : at::stack(norms).max();
    } else {
      std::vector<at::Tensor> norms;
      for (auto& g : grads) norms.push_back(at::norm(g.detach(), normType));
      total = at::norm(at::stack(norms), normType);
    }
    at::Tensor coef = (maxNorm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : grads) g.detach().mul_(coef.to(g.device()));
    return Napi::Number::New(info.Env(), total.item<double>());
  });
}

Napi::Value ClipGradValue(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto grads = gradsOf(tensorListArg(info[0], "params"));
    double v = numberArg(info, 1, "clipValue");
    if (!(v >= 0) || std::isnan(v)) throw ArgumentError("'clipValue' must be >= 0, got " + numberText(v));
    c10::AutoGradMode noGrad(false);
    for (auto& g : grads) g.detach().clamp_(-v, v);
    return info.Env().Undefined();
  });
}

// gradNorms(params) -> L2 norm of each parameter's gradient (null where it has none).
Napi::Value GradNorms(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto params = tensorListArg(info[0], "params");
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, params.size());
    c10::AutoGradMode noGrad(false);
    for (size_t i = 0; i < params.size(); i++) {
      const at::Tensor& g = params[i].grad();
      out.Set(static_cast<uint32_t>(i), g.defined() ? Napi::Value(Napi::Number::New(env, g.detach().norm().item<double>())) : env.Null());
    }
    return out;
  });
}

// gradsFinite(params) -> whether every gradient is free of NaN and Inf (one reduction, one sync).
Napi::Value GradsFinite(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto grads = gradsOf(tensorListArg(info[0], "params"));
    c10::AutoGradMode noGrad(false);
    bool ok = true;
    for (auto& g : grads) {
      if (!at::isfinite(g).all().item<bool>()) { ok = false; break; }
    }
    return Napi::Boolean::New(info.Env(), ok);
  });
}

}  // namespace

void exportOptim(Napi::Env env, Napi::Object& exports) {
  exports.Set("optimCreate", Napi::Function::New(env, Create));
  exports.Set("optimStep", Napi::Function::New(env, Step));
  exports.Set("optimZeroGrad", Napi::Function::New(env, ZeroGrad));
  exports.Set("optimSetLr", Napi::Function::New(env, SetLr));
  exports.Set("optimSetGroup", Napi::Function::New(env, SetGroup));
  exports.Set("optimGetGroup", Napi::Function::New(env, GetGroup));
  exports.Set("optimGetState", Napi::Function::New(env, GetState));
  exports.Set("optimSetState", Napi::Function::New(env, SetState));
  exports.Set("optimDispose", Napi::Function::New(env, Dispose));
  exports.Set("clipGradNorm", Napi::Function::New(env, ClipGradNorm));
  exports.Set("clipGradValue", Napi::Function::New(env, ClipGradValue));
  exports.Set("gradNorms", Napi::Function::New(env, GradNorms));
  exports.Set("gradsFinite", Napi::Function::New(env, GradsFinite));
}

}  // namespace six
