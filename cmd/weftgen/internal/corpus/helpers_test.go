package corpus

import "github.com/weftrt/weft/mpsc"

func mpscNew(n int) (*mpsc.Sender[int], *mpsc.Receiver[int]) { return mpsc.New[int](n) }
