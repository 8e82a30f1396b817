// jStat ships no types; these are the functions the quantile test checks ours against.
declare module 'jstat' {
  const jStat: {
    normal: {
      /** The quantile of the normal distribution with this mean and standard deviation, at probability `p`. */
      inv(p: number, mean: number, sd: number): number;
    };
    studentt: {
      /** The quantile (inverse CDF) of Student's t with `dof` degrees of freedom, at probability `p`. */
      inv(p: number, dof: number): number;
    };
  };
  export default jStat;
}
