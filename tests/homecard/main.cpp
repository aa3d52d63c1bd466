// Unit tests of the home card applet, in-process (no pcscd). Test files: *_test.cpp.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>
