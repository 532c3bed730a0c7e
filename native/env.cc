// Per-environment addon state: created when an environment (the main thread
// or a worker_thread) loads the addon, freed when that environment ends. Each
// environment has a tag, unique among live environments, that every handle it
// makes carries, so a handle passed to another thread is refused, not aliased.
#include "common.h"

#include <bitset>
#include <mutex>

namespace six {
namespace {

constexpr uint32_t kTags = 256;  // 8 bits in the handle; tag 0 is never given

std::mutex& tagMutex() {
  static std::mutex m;
  return m;
}
std::bitset<kTags>& tagsInUse() {
  static std::bitset<kTags> used;
  return used;
}
uint32_t& nextTag() {
  static uint32_t next = 1;
  return next;
}

// Round-robin, so a tag freed by a worker that just ended is the last to be
// given again (its stale handles are then least likely to meet a live tag).
uint32_t takeTag() {
  std::lock_guard<std::mutex> lock(tagMutex());
  auto& used = tagsInUse();
  uint32_t& next = nextTag();
  for (uint32_t k = 0; k < kTags - 1; k++) {
    uint32_t t = 1 + (next - 1 + k) % (kTags - 1);
    if (!used[t]) {
      used[t] = true;
      next = t % (kTags - 1) + 1;
      return t;
    }
  }
  throw std::runtime_error("more than 255 Node environments (worker threads) use sixstep at once");
}

thread_local EnvState* current = nullptr;

}  // namespace

bool tagIsLive(uint32_t tag) {
  std::lock_guard<std::mutex> lock(tagMutex());
  return tag < kTags && tagsInUse()[tag];
}

EnvState::~EnvState() {
  // The environment is being torn down: Node frees its references itself, and
  // deleting them here could run after it did.
  for (auto& ref : errorClasses) ref.SuppressDestruct();
  dist.reset();
  optim.reset();
  ops.reset();
  std::lock_guard<std::mutex> lock(tagMutex());
  tagsInUse()[tag] = false;
}

void initEnvState(Napi::Env env) {
  if (env.GetInstanceData<EnvState>()) return;
  auto* s = new EnvState();
  try {
    s->tag = takeTag();
  } catch (...) {
    delete s;
    throw;
  }
  env.SetInstanceData<EnvState>(s);
}

EnvState& envState() {
  if (!current) throw std::runtime_error("sixstep: no environment state for this call (internal error)");
  return *current;
}

EnvScope::EnvScope(Napi::Env env) : previous(current) {
  EnvState* s = env.GetInstanceData<EnvState>();
  if (!s) throw std::runtime_error("sixstep: the addon was not initialised in this environment");
  current = s;
}

EnvScope::~EnvScope() { current = previous; }

}  // namespace six
