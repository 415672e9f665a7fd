// The program behind action.yml arrives with the GitHub issue; until then it only says so.
Console.Error.WriteLine("Farm.Action: no commands yet; the GitHub Action arrives with the GitHub issue.");
return 64;
