package org.rostersync.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

class SafeTextTest {
  @Test
  void replacesNulAndUnpairedSurrogatesAndKeepsPairs() {
    assertThat(SafeText.clean("a\u0000b"), equalTo("a\uFFFDb"));
    assertThat(SafeText.clean("x\uD800y"), equalTo("x\uFFFDy"));
    assertThat(SafeText.clean("x\uDC00"), equalTo("x\uFFFD"));
    assertThat(SafeText.clean("end\uD83D"), equalTo("end\uFFFD"));
    assertThat(SafeText.clean("emoji \uD83D\uDE00 ok"), equalTo("emoji \uD83D\uDE00 ok"));
    assertThat(SafeText.clean("\u0000\uD83D\uDE00"), equalTo("\uFFFD\uD83D\uDE00"));
    assertThat(SafeText.clean(null), nullValue());
  }

  @Test
  void capsTheLengthWithoutSplittingAPair() {
    assertThat(SafeText.clean("abcdef", 3), equalTo("abc…"));
    // The cut falls between the two halves of a pair: the lone half is replaced, never stored.
    assertThat(SafeText.clean("ab\uD83D\uDE00", 3), equalTo("ab\uFFFD…"));
  }
}
