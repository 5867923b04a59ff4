// Compiled only to build the tests precompiled header (see tests/CMakeLists.txt).
