package rapidpkg

import (
	"fmt"

	"github.com/weftrt/weft"
)

//weft:async
func F0(a *weft.A, env *Env, p int) int {
	x := 0
	env.Log(fmt.Sprint("s0", p))
	return p + x
}

//weft:async
func F1(a *weft.A, env *Env, p int) int {
	x := 0
	p = x
	if p > 2 {
		p = F0(a, env, p)
		y0 := 4
		x += y0
	} else {
		if p == 2 {
			panic("p1")
		}
	}
	x = F0(a, env, x) + p + 4
	return p + x
}

//weft:async
func F2(a *weft.A, env *Env, p int) int {
	x := 0
	y0 := -2
	x += y0
	env.Log(fmt.Sprint("s1", x))
	if y0 == 5 {
		panic("p2")
	}
	x = p + p
	return p + x
}

//weft:async
func F3(a *weft.A, env *Env, p int) int {
	x := 0
	p = p * 2
	c0 := func() int { x++; return x }
	x = c0()
	if x > -1 {
		if p > 7 {
			if x > 1 {
				return p
			}
			x = F1(a, env, x)
			p = weft.Await(a, env.Next())
		}
		weft.Await(a, env.Next())
		x = weft.Await(a, env.Next())
	}
	env.Log(fmt.Sprint("s1", x))
	weft.Await(a, env.Next())
	p = 3
	return p + x
}

//weft:async
func F4(a *weft.A, env *Env, p int) int {
	x := 0
	c0 := func() int { x++; return p }
	x = c0()
	env.Log(fmt.Sprint("s1", p))
	switch p % 3 {
	case 0:
		x = F0(a, env, p)
		p = x * 2
	case 1:
	default:
		p = -3
	}
	if p > 7 {
		return x
	}
	x = x + 3 + x * 2
	if p > 4 {
		x = x + 2
		for i2 := 0; i2 < 3; i2++ {
			y3 := F1(a, env, x)
			p += y3
			x = weft.Await(a, env.Next())
		}
		if x > 1 {
			return p
		}
	} else {
		if p > -2 {
			x = p + 3
			x = weft.Await(a, env.Next()) + -1
		} else {
			defer func() {
				if r := recover(); r != nil {
					env.Log(fmt.Sprint("recovered ", r))
				}
			}()
			y4 := p
			x += y4
			y5 := x * 2
			x += y5
		}
		x = x
	}
	return p + x
}

//weft:async
func F5(a *weft.A, env *Env, p int) int {
	x := 0
	y0 := p + 4
	x += y0
	defer func() { env.Log(fmt.Sprint("d1", x)) }()
	if y0 > 2 {
		y0 = p * 2
		weft.Await(a, env.Next())
	}
	c2 := func() int { y0++; return y0 }
	x = c2()
	x = y0 * 2
	for i3 := 0; i3 < 3; i3++ {
		if x%2 == 0 {
			continue
		}
	}
	return p + x
}

//weft:async
func F6(a *weft.A, env *Env, p int) int {
	x := 0
	x = p * 2
	return p + x
}

//weft:async
func F7(a *weft.A, env *Env, p int) int {
	x := 0
	for i0 := 0; i0 < 2; i0++ {
		y1 := i0 * 2
		x += y1
		if p == 4 {
			panic("p2")
		}
	}
	if x > 2 {
		if p > -1 {
			y3 := 6
			x += y3
			env.Log(fmt.Sprint("s4", y3))
		}
		switch x % 3 {
		case 0:
		case 1:
		default:
			if x > 1 {
				y5 := p
				p += y5
				env.Log(fmt.Sprint("s6", y5))
			} else {
				p = x + 1
				y7 := p
				p += y7
				p = x
			}
			x = p * 2
		}
	}
	return p + x
}

//weft:async
func F8(a *weft.A, env *Env, p int) int {
	x := 0
	p = x + 2
	return p + x
}

//weft:async
func F9(a *weft.A, env *Env, p int) int {
	x := 0
	if x > 2 {
		y0 := weft.Await(a, env.Next())
		x += y0
		y1 := y0 * 2
		p += y1
	}
	c2 := func() int { x++; return p }
	x = c2()
	for i3 := 0; i3 < 2; i3++ {
		if p > -1 {
			for i4 := 0; i4 < 2; i4++ {
				i3 = x
				p = i3 + 1
				x = i3
			}
		} else {
			i3 = x + 5
			x = i3 + 3 + weft.Await(a, env.Next())
			y5 := x
			p += y5
		}
	}
	return p + x
}

//weft:async
func F10(a *weft.A, env *Env, p int) int {
	x := 0
	if x > 7 {
		return p
	}
	p = x
	return p + x
}

