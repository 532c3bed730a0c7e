// Every aten operator through libtorch's boxed dispatcher: JavaScript values
// are converted by the operator's schema, so one small translation unit
// covers all ops, with autograd flowing through them. Operators are resolved
// once by name and called afterwards by a cached integer id.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <c10/core/Device.h>

#include <c10/core/Layout.h>
#include <c10/core/MemoryFormat.h>
#include <c10/core/ScalarType.h>

#include <cmath>
#include <memory>
#include <unordered_map>

namespace six {
namespace {

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
};

// Per environment: ids are small integers into this list, resolved once per name.
struct OpRegistry {
  std::vector<std::unique_ptr<OpEntry>> ops;
  std::unordered_map<std::string, size_t> byName;
};

OpRegistry& ops() {
  EnvState& st = envState();
  return st.module<OpRegistry>(st.ops);
}

std::string where(const OpEntry& op, const c10::Argument& arg) {
  return op.name + " argument '" + arg.name() + "' (" + arg.type()->str() + ")";
}

int64_t toInt(const Napi::Value& v, const std::string& ctx) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) throw ArgumentError(ctx + ": expected an integer");
  return toInt64(v.As<Napi::Number>().DoubleValue(), ctx);
}

// Schemas spell dtypes, layouts and memory formats as ints; libtorch casts
// them to its enums unchecked (an unknown code indexes past a table), so the
// code is checked against the enum here.
int64_t checkEnum(int64_t code, const c10::TypePtr& real, const std::string& ctx) {
  const c10::Type* t = real.get();
  if (t->kind() == c10::TypeKind::OptionalType) t = t->castRaw<c10::OptionalType>()->getElementType().get();
  int64_t count = -1;
  const char* what = "";
  switch (t->kind()) {
    case c10::TypeKind::ScalarTypeType:
      count = static_cast<int64_t>(c10::ScalarType::NumOptions);
      what = "dtype code";
      break;
    case c10::TypeKind::LayoutType:
      count = static_cast<int64_t>(c10::Layout::NumOptions);
      what = "layout code";
      break;
    case c10::TypeKind::MemoryFormatType:
      count = static_cast<int64_t>(c10::MemoryFormat::NumOptions);
      what = "memory format code";
      break;
    default:
      return code;
  }
  if (code < 0 || code >= count) throw ArgumentError(ctx + ": unknown " + what + " " + std::to_string(code) + " (expected 0 … " + std::to_string(count - 1) + ")");
  return code;
}

double toDouble(const Napi::Value& v, const std::string& ctx) {
  if (!v.IsNumber()) throw ArgumentError(ctx + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

c10::IValue toScalar(const Napi::Value& v, const std::string& ctx) {
  if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
  if (!v.IsNumber()) throw ArgumentError(ctx + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // Integral JavaScript numbers stay integral so integer tensors keep their dtype.
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return c10::IValue(static_cast<int64_t>(d));
  return c10::IValue(d);
}

c10::IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const c10::Argument& arg, const std::string& ctx);

c10::IValue toList(const Napi::Value& v, const c10::TypePtr& elem, const c10::Argument& arg, const std::string& ctx) {
  const auto kind = elem->kind();
  // `int[2] stride=1` style arguments accept one number for every position.
  if (!v.IsArray()) {
    if (v.IsNumber() && (kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType)) {
      int64_t n = arg.N().has_value() ? *arg.N() : 1;
      return c10::IValue(std::vector<int64_t>(static_cast<size_t>(n), toInt(v, ctx)));
    }
    if (v.IsBoolean() && kind == c10::TypeKind::BoolType && arg.N().has_value()) {
      c10::List<bool> l;
      for (int64_t i = 0; i < *arg.N(); i++) l.push_back(v.As<Napi::Boolean>().Value());
      return c10::IValue(l);
    }
    throw ArgumentError(ctx + ": expected an array");
  }
  Napi::Array a = v.As<Napi::Array>();
  const uint32_t n = a.Length();
  switch (kind) {
    case c10::TypeKind::TensorType: {
      c10::List<at::Tensor> l;
      l.reserve(n);
      for (uint32_t i = 0; i < n; i++) l.push_back(getTensor(a.Get(i), ctx.c_str()));
      return c10::IValue(l);
    }
    case c10::TypeKind::OptionalType: {
      auto inner = elem->castRaw<c10::OptionalType>()->getElementType();
      if (inner->kind() != c10::TypeKind::TensorType) throw ArgumentError(ctx + ": unsupported list element type " + elem->str());
      c10::List<c10::optional<at::Tensor>> l;
      l.reserve(n);
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value e = a.Get(i);
        if (e.IsNull() || e.IsUndefined()) l.push_back(c10::nullopt);
        else l.push_back(getTensor(e, ctx.c_str()));
      }
      return c10::IValue(l);
    }
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: {
      std::vector<int64_t> l(n);
      for (uint32_t i = 0; i < n; i++) l[i] = toInt(a.Get(i), ctx);
      return c10::IValue(l);
    }
    case c10::TypeKind::FloatType: {
      std::vector<double> l(n);
      for (uint32_t i = 0; i < n; i++) l[i] = toDouble(a.Get(i), ctx);
      return c10::IValue(l);
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> l;
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value e = a.Get(i);
        if (!e.IsBoolean()) throw ArgumentError(ctx + ": expected booleans");
        l.push_back(e.As<Napi::Boolean>().Value());
      }
      return c10::IValue(l);
    }
    default:
      throw ArgumentError(ctx + ": unsupported list element type " + elem->str());
  }
}

c10::IValue toIValue(const Napi::Value& v, const c10::TypePtr& type, const c10::Argument& arg, const std::string& ctx) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return toIValue(v, type->castRaw<c10::OptionalType>()->getElementType(), arg, ctx);
    case c10::TypeKind::TensorType:
      return c10::IValue(getTensor(v, ctx.c_str()));
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return c10::IValue(checkEnum(toInt(v, ctx), arg.real_type(), ctx));
    case c10::TypeKind::FloatType:
      return c10::IValue(toDouble(v, ctx));
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) throw ArgumentError(ctx + ": expected a boolean");
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case c10::TypeKind::NumberType:
      return toScalar(v, ctx);
    case c10::TypeKind::StringType:
      if (!v.IsString()) throw ArgumentError(ctx + ": expected a string");
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) throw ArgumentError(ctx + ": expected a device string such as 'cpu' or 'cuda:0'");
      return c10::IValue(c10::Device(v.As<Napi::String>().Utf8Value()));
    case c10::TypeKind::ListType:
      return toList(v, type->castRaw<c10::ListType>()->getElementType(), arg, ctx);
    case c10::TypeKind::GeneratorType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      throw ArgumentError(ctx + ": generators are not supported; use manualSeed()");
    default:
      throw ArgumentError(ctx + ": unsupported argument type " + type->str());
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) {
    const at::Tensor& t = v.toTensor();
    if (!t.defined()) return env.Null();
    return Napi::Number::New(env, putTensor(t));
  }
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) {
      at::Tensor t = list.get(i);
      a.Set(static_cast<uint32_t>(i), t.defined() ? Napi::Value(Napi::Number::New(env, putTensor(t))) : env.Null());
    }
    return a;
  }
  if (v.isIntList()) {
    auto list = v.toIntVector();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list[i])));
    return a;
  }
  if (v.isDoubleList()) {
    auto list = v.toDoubleVector();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, list[i]));
    return a;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    Napi::Array a = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return a;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    Napi::Array a = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) a.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i]));
    return a;
  }
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isComplexDouble()) {
    auto c = v.toComplexDouble();
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(0u, Napi::Number::New(env, c.real()));
    a.Set(1u, Napi::Number::New(env, c.imag()));
    return a;
  }
  throw ArgumentError(std::string("unsupported return type ") + v.tagKind());
}

OpEntry& opById(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw ArgumentError("expected an operator id");
  double id = info[0].As<Napi::Number>().DoubleValue();
  auto& reg = ops().ops;
  if (!(id >= 0) || id >= static_cast<double>(reg.size()) || id != std::floor(id)) throw ArgumentError("unknown operator id " + numberText(id));
  return *reg[static_cast<size_t>(id)];
}

// Builds the stack from info[1..], filling defaults for what was not given.
torch::jit::Stack buildStack(const Napi::CallbackInfo& info, const OpEntry& op) {
  const auto& schema = op.handle.schema();
  const auto& args = schema.arguments();
  const size_t given = info.Length() - 1;
  if (given > args.size()) {
    throw ArgumentError(op.name + ": expected at most " + std::to_string(args.size()) + " arguments, got " + std::to_string(given) +
                        " (schema: " + c10::toString(schema) + ")");
  }
  torch::jit::Stack stack;
  stack.reserve(args.size());
  for (size_t i = 0; i < args.size(); i++) {
    const c10::Argument& arg = args[i];
    if (i < given && !info[i + 1].IsUndefined()) {
      stack.push_back(toIValue(info[i + 1], arg.type(), arg, where(op, arg)));
    } else if (arg.default_value().has_value()) {
      stack.push_back(*arg.default_value());
    } else if (arg.type()->kind() == c10::TypeKind::OptionalType) {
      stack.emplace_back();
    } else {
      throw ArgumentError(where(op, arg) + " is required (schema: " + c10::toString(schema) + ")");
    }
  }
  return stack;
}

Napi::Value Resolve(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throw ArgumentError("resolve(name, overload): name must be a string like 'aten::add'");
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    std::string full = name + (overload.empty() ? "" : "." + overload);
    OpRegistry& reg = ops();
    auto known = reg.byName.find(full);
    if (known != reg.byName.end()) return Napi::Number::New(info.Env(), static_cast<double>(known->second));
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle.has_value()) throw ArgumentError("no operator " + full + " in this libtorch");
    reg.ops.push_back(std::make_unique<OpEntry>(OpEntry{*handle, full}));
    reg.byName.emplace(full, reg.ops.size() - 1);
    return Napi::Number::New(info.Env(), static_cast<double>(reg.ops.size() - 1));
  });
}

Napi::Value Call(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    OpEntry& op = opById(info);
    torch::jit::Stack stack = buildStack(info, op);
    op.handle.callBoxed(&stack);
    Napi::Env env = info.Env();
    if (stack.empty()) return env.Undefined();
    if (stack.size() == 1) return fromIValue(env, stack[0]);
    Napi::Array out = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); i++) out.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
    return out;
  });
}

// For in-place ops: the result aliases an input, so no new handle is made.
Napi::Value CallVoid(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    OpEntry& op = opById(info);
    torch::jit::Stack stack = buildStack(info, op);
    op.handle.callBoxed(&stack);
    return info.Env().Undefined();
  });
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    OpEntry& op = opById(info);
    return Napi::String::New(info.Env(), c10::toString(op.handle.schema()));
  });
}

Napi::Value ListOps(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto names = c10::Dispatcher::singleton().getAllOpNames();
    Napi::Env env = info.Env();
    Napi::Array a = Napi::Array::New(env, names.size());
    for (size_t i = 0; i < names.size(); i++) {
      const auto& n = names[i];
      a.Set(static_cast<uint32_t>(i), Napi::String::New(env, n.overload_name.empty() ? n.name : n.name + "." + n.overload_name));
    }
    return a;
  });
}

}  // namespace

void exportOps(Napi::Env env, Napi::Object& exports) {
  exports.Set("resolve", Napi::Function::New(env, Resolve));
  exports.Set("call", Napi::Function::New(env, Call));
  exports.Set("callVoid", Napi::Function::New(env, CallVoid));
  exports.Set("schema", Napi::Function::New(env, Schema));
  exports.Set("listOps", Napi::Function::New(env, ListOps));
}

}  // namespace six
