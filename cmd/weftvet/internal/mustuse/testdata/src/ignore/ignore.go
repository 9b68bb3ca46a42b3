package ignore

import "github.com/weftrt/weft"

func suppressed() {
	weft.Bad(-1) //weftvet:ignore the constructor panics before it returns

	//weftvet:ignore measures the cost of making and dropping a sleep
	_ = weft.Sleep(1)

	s := weft.Sleep(1) //weftvet:ignore only its description is tested
	_ = s.String()
}

func notSuppressed() {
	weft.Sleep(1) //weftvet:ignore // want `//weftvet:ignore needs a reason` `dropped as a statement`

	//weftvet:ignore too far above // want `//weftvet:ignore suppresses nothing here: remove it`

	weft.Sleep(2) // want `dropped as a statement`

	weft.Sleep(3) //weftvet:ignored is not the directive // want `dropped as a statement`
}

//weftvet:ignore nothing to suppress // want `suppresses nothing here`
func unused() {}
