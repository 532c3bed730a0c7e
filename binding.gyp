# The sixstep addon. Everything about the libtorch found (include dirs,
# libraries, rpath, ABI) comes from native/generated/libtorch.gypi, written by
# scripts/build-native.mjs before node-gyp runs.
{
  'includes': ['native/generated/libtorch.gypi'],
  'targets': [
    {
      'target_name': 'sixstep',
      'sources': [
        'native/addon.cc',
        'native/env.cc',
        'native/slots.cc',
        'native/errors.cc',
        'native/ops.cc',
        'native/tensor_io.cc',
        'native/autograd.cc',
        'native/runtime.cc',
        'native/optim.cc',
        'native/distributed.cc',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_CPP_EXCEPTIONS', 'NAPI_VERSION=8', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
      'cflags!': ['-fno-exceptions'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17', '-std=gnu++14'],
      'cflags_cc': ['-std=c++17', '-O2', '-fexceptions', '-frtti', '-Wno-unused-parameter', '-Wno-deprecated-declarations'],
    },
  ],
}
