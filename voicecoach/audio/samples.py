"""The two kinds of sample array every audio stage passes on, named once.

``Audio``: mono float32 at ``voicecoach.compile.cuescript.SAMPLE_RATE``, full scale at 1.0 (speech
clips, chimes, mixed chunks). ``Pcm``: the same as 16-bit integers, as files and the sound
device take them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Audio = npt.NDArray[np.float32]
Pcm = npt.NDArray[np.int16]

__all__ = ["Audio", "Pcm"]
