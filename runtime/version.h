#pragma once
// Tailor's version, from CMake's project(VERSION ...), for `tailor version`, checkpoint and
// ONNX metadata.
#ifndef TAILOR_VERSION_STRING
#define TAILOR_VERSION_STRING "0.0.0"
#endif

namespace tailor {

inline const char* tailor_version() {
  return TAILOR_VERSION_STRING;
}

}  // namespace tailor
