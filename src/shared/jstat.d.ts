// jStat ships no types; this is the one function we use.
declare module 'jstat' {
  const jStat: {
    studentt: {
      /** The quantile (inverse CDF) of Student's t with `dof` degrees of freedom, at probability `p`. */
      inv(p: number, dof: number): number;
    };
  };
  export default jStat;
}
