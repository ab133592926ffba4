drop aggregate public.last;
drop aggregate public.first;
drop function public.last_agg;
drop function public.first_agg;
