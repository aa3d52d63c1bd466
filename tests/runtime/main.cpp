// Unit tests of the card runtime (card/runtime): one doctest binary, one file per component.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest.h>
