// Autograd entry points that are not operators: backward, .grad and the
// thread-local grad mode. Ops run on the JavaScript thread, so grad mode
// set here applies to them.
#include "common.h"

#include <c10/core/GradMode.h>
#include <c10/util/StringUtil.h>

namespace six {
namespace {

// backward(loss, grad | null, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "backward");
    at::Tensor grad;
    if (info.Length() > 1 && info[1].IsNumber()) grad = getTensor(info[1], "backward(gradient)");
    c10::optional<bool> retain;
    if (info.Length() > 2 && info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    bool create = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
    if (!t.requires_grad()) throw ArgumentError("backward: the tensor does not require grad (no parameter or input with requiresGrad took part in computing it)");
    if (!grad.defined() && t.numel() != 1) throw ArgumentError("backward: a gradient is required for a non-scalar tensor of " + std::to_string(t.numel()) + " elements");
    t.backward(grad, retain, create);
    return info.Env().Undefined();
  });
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& g = getTensor(info[0], "grad").grad();
    if (!g.defined()) return info.Env().Null();
    return Napi::Number::New(info.Env(), putTensor(g));
  });
}

std::string shapeText(at::IntArrayRef s) { return "[" + c10::Join(", ", s) + "]"; }

// A gradient must match its tensor exactly, as PyTorch's `.grad` setter
// demands: broadcasting a [1] gradient over a [3] parameter would silently
// apply one number to every element.
void checkGrad(const at::Tensor& t, const at::Tensor& g) {
  if (g.is_same(t)) throw ArgumentError("setGrad: a tensor cannot be its own gradient");
  if (g.device() != t.device()) {
    throw TypedError(ErrorKind::Device, "setGrad: the gradient is on " + g.device().str() + ", the tensor on " + t.device().str() + " (expected the same device)");
  }
  if (g.scalar_type() != t.scalar_type()) {
    throw TypedError(ErrorKind::DType, std::string("setGrad: the gradient has dtype ") + c10::toString(g.scalar_type()) + ", the tensor " +
                                           c10::toString(t.scalar_type()) + " (expected the same dtype)");
  }
  if (!g.sizes().equals(t.sizes())) {
    throw TypedError(ErrorKind::Shape, "setGrad: the gradient has shape " + shapeText(g.sizes()) + ", the tensor " + shapeText(t.sizes()) +
                                           " (expected the same shape)");
  }
  if (g.layout() != t.layout() && !g.is_sparse()) {
    throw ArgumentError("setGrad: the gradient's layout differs from the tensor's");
  }
}

// setGrad(tensor, grad | null)
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "setGrad");
    if (info.Length() > 1 && info[1].IsNumber()) {
      const at::Tensor& g = getTensor(info[1], "setGrad(grad)");
      checkGrad(t, g);
      t.mutable_grad() = g;
    } else if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
      throw ArgumentError("setGrad: the gradient must be a tensor or null");
    } else {
      t.mutable_grad().reset();
    }
    return info.Env().Undefined();
  });
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& t = getTensor(info[0], "setRequiresGrad");
    t.set_requires_grad(boolArg(info, 1, "requiresGrad"));
    return info.Env().Undefined();
  });
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), getTensor(info[0], "requiresGrad").requires_grad());
  });
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), getTensor(info[0], "isLeaf").is_leaf()); });
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    bool previous = c10::GradMode::is_enabled();
    c10::GradMode::set_enabled(boolArg(info, 0, "enabled"));
    return Napi::Boolean::New(info.Env(), previous);
  });
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

}  // namespace

void exportAutograd(Napi::Env env, Napi::Object& exports) {
  exports.Set("backward", Napi::Function::New(env, Backward));
  exports.Set("grad", Napi::Function::New(env, Grad));
  exports.Set("setGrad", Napi::Function::New(env, SetGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, SetRequiresGrad));
  exports.Set("requiresGrad", Napi::Function::New(env, RequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, IsLeaf));
  exports.Set("setGradEnabled", Napi::Function::New(env, SetGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, IsGradEnabled));
}

}  // namespace six
