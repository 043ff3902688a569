// Every public function given an executor writes the same bytes as without
// one, on the 2d golden shapes in every layout of tests/layouts.hpp (a
// translation unit of its own: the calls of every rank and type take long to
// compile, and two units build on two cores).
#include "split_checks.hpp"

using namespace apool_split;

TEST_CASE("with any executor every call writes the bytes of the call without one: 2d", "[parallel][golden]") {
    const auto& cases = apool_test::golden_cases();
    REQUIRE(cases.size() > 100);
    split_calls = 0;
    for (const golden_case& golden : cases) {
        if (golden.spatial != 2) continue;
        INFO("case " << golden.name);
        CHECK((compare_if<2, 0>(golden) || compare_if<2, 1>(golden) || compare_if<2, 2>(golden) || compare_if<2, 3>(golden)));
    }
    // Nearly every call splits at these knobs (global pooling of one plane is one task).
    CHECK(split_calls > 400);
}
