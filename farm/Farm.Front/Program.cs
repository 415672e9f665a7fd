using Farm.Front;

return FarmFront.Run(args);
