// Unit tests of the access card applet (suite 'accesscard'); the cases live in the *_test.cpp
// files of this folder.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>
