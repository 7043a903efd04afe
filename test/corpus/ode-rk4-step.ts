/**
 * Library: ode-rk4 (scijs), lib/index.js at commit 5582e88fe2bd907740377a0ad579066cab50d0e3
 * https://github.com/scijs/ode-rk4/blob/5582e88fe2bd907740377a0ad579066cab50d0e3/lib/index.js
 * License: MIT. Copyright (c) 2015 Ricky Reusser
 * Changed: the differentiable JSDoc tag and types (an interface for `this`); the constructor's use of
 * compute-dtype / compute-array-constructors written as `Float64Array` (what they return for a
 * Float64Array state); `module.exports` left out.
 */
interface Integrator {
  deriv: (dydt: Float64Array, y: Float64Array, t: number) => void
  y: Float64Array
  n: number
  dt: number
  t: number
  _w: Float64Array
  _k1: Float64Array
  _k2: Float64Array
  _k3: Float64Array
  _k4: Float64Array
}

var Integrator = function Integrator( this: Integrator, y0: Float64Array, deriv: Integrator["deriv"], t: number, dt: number ) {
  // Bind variables to this:
  this.deriv = deriv
  this.y = y0
  this.n = this.y.length
  this.dt = dt
  this.t = t

  this._w = new Float64Array( this.n )
  this._k1 = new Float64Array( this.n )
  this._k2 = new Float64Array( this.n )
  this._k3 = new Float64Array( this.n )
  this._k4 = new Float64Array( this.n )
}

/** @differentiable */
Integrator.prototype.step = function(this: Integrator) {

  this.deriv( this._k1, this.y, this.t )

  for(var i=0; i<this.n; i++) {
    this._w[i] = this.y[i] + this._k1[i] * this.dt * 0.5
  }

  this.deriv( this._k2, this._w, this.t + this.dt * 0.5 )

  for(var i=0; i<this.n; i++) {
    this._w[i] = this.y[i] + this._k2[i] * this.dt * 0.5, this.t + this.dt * 0.5
  }

  this.deriv( this._k3, this._w, this.t + this.dt * 0.5 )

  for(var i=0; i<this.n; i++) {
    this._w[i] = this.y[i] + this._k3[i] * this.dt, this.t + this.dt
  }

  this.deriv( this._k4, this._w, this.t + this.dt)


  var dto6 = this.dt / 6.0
  for(var i=0; i<this.n; i++) {
    this.y[i] += dto6 * ( this._k1[i] + 2*this._k2[i] + 2*this._k3[i] + this._k4[i] )
  }

  this.t += this.dt
  return this
}
